#!/usr/bin/env bash
# What the gateway costs per request, side by side with the proxies people would use instead, on one machine in
# one run. One cheap backend (nginx answering a small fixed body from memory); in turn each proxy in front of it:
#   gateway-full   the gateway with its demo-grade policies on (failover, resilience, a rate limit that never
#                  trips where the build has rate limiting, metrics)
#   gateway-none   the gateway with no policies
#   gateway-noshed gateway-full with load shedding off (Gateway:Shedding:Enabled=false; it is on by default): run
#                  it beside gateway-full, with --rate at about 90% of the backend's capacity, to see that shedding
#                  refuses nothing and costs nothing in steady load (issue 15)
#   gateway-jwt    gateway-none with the route requiring a JWT (RS256, keys from a JWKS file; issue 21): wrk sends one
#                  valid token, so this is the cost of the identity step with its token cache
#   gateway-jwt-flood  gateway-jwt measured the same way while a second wrk (1 thread, 32 connections, each
#                  pausing 20 ms between requests: about 1,500 requests/s, the same for every flood) floods a second
#                  route, /forged, with the same JWT policy as the valid clients' route, with
#                  tokens whose signatures are random (each one distinct, so each would need verifying: the worst
#                  case; the flood also runs through the warm-up, so its code is compiled before anything is
#                  measured); compare its p99 with gateway-jwt's. The flood comes from the same address as the valid
#                  clients, so after 10 failed verifications a second
#                  (Gateway:Identity:MaxFailedVerificationsPerSecond) it is refused unverified: this measures the
#                  gateway as shipped. The open-model run is skipped for the jwt proxies (it sends no token).
#   gateway-jwt-ratelimit-flood  gateway-jwt with the same paced flood sent to a second route, /limited, whose
#                  rate limit refuses it (429); each flood has a route of its own, so the two differ only in what
#                  refuses them: the yardstick for "a refusal for a bad token costs no more than a
#                  rate-limit refusal" (issue 21). The flood is paced, not a closed loop, so a cheaper refusal
#                  does not buy the flood more requests: the valid clients' p99 then shows what each refusal costs.
#   gateway-accesslog gateway-full with the access log on, every request to a file (access.log in its work
#                  directory): run it beside gateway-full to measure what the log costs (issue 22)
#   yarp           a plain YARP host with default settings (load-tests/PlainYarp)
#   yarp-slim      plain YARP on WebApplication.CreateSlimBuilder with no logging providers (PlainYarp --slim)
#   yarp-slim-inline  yarp-slim with the runtime's DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, which the gateway
#                  sets for itself (Gateway:Limits:InlineSocketCompletions): what plain YARP gets from the same setting
#   nginx          nginx as a reverse proxy (keep-alive to the backend)
#   haproxy        HAProxy in http mode
#   direct         the backend with no proxy
# A proxy named twice, the second time as NAME:LABEL (e.g. gateway-jwt-ratelimit-flood:again), runs the same
# configuration as NAME and is reported apart: the spread between the two is what the noise of identical configs is
# in that run, the yardstick for a difference between two configs.
# Each is driven by wrk (closed model) at several connection counts, and at a fixed request rate (open model, the
# load-tests tool's `steady` scenario) for latency. Proxies alternate over several rounds, each round starting one
# proxy further on (A B C, B C A, C A B, ...), so each takes every place in the order equally often over as many
# rounds as there are proxies; a fresh process for each proxy in each round. The report gives medians, each figure as a ratio to plain YARP and to nginx, and each ratio with a target of issue
# 16 marked ✓ or ✗ (load-tests/bench-report.py writes it).
#
# With --tls every proxy terminates TLS (1.2/1.3) on its listener with the same self-signed ECDSA P-256 certificate
# (the gateway and plain YARP through Kestrel:Endpoints, nginx with ssl, HAProxy with ssl crt; the backend stays
# cleartext, `direct` is left out). Add `--mode both` for the cost per new connection too, a full handshake for every
# request (wrk with `Connection: close`).
#
# Usage: load-tests/bench.sh [--quick] [--rounds N] [--duration S] [--warmup S] [--connections "16 64 256"] [--rate R]
#                            [--proxies "gateway-full yarp ..."] [--baseline default|slim] [--tls]
#                            [--mode keep-alive|new-connections|both] [--backend-capacity N:MS] [--interleave]
#                            [--starts K] [--probe] [--gateway-dll PATH] [--out DIR]
#   --quick   one round, 1 s per run, 16 connections, no open-model run: a smoke test, not a measurement. The
#             gateways also stop without their 5 s drain delay (Gateway:Shutdown:DrainDelay=0): nothing is measured
#             after a proxy is stopped, and the smoke tests stop a gateway about 15 times.
#   --warmup  seconds of load before each proxy's first measured run (default 10). The .NET proxies run JIT-tiered
#             code: under load plain YARP took 8 to 12 s to reach its steady CPU cost per request (135, 69, then
#             39 µs in successive 4 s runs), so a shorter warm-up measures the JIT rather than the proxy.
#   --no-build  use what is built (Release) instead of building the solution first.
#   --gateway-dll  the gateway proxies start this Gateway.dll instead of src/Gateway/bin/Release/net10.0's, e.g. a
#             ReadyToRun publish (docs/load-shedding.md, "Precompiled (ReadyToRun)"): its steady cost beside the JIT-only build's.
#   --baseline slim  also run yarp-slim (added after yarp unless --proxies names it) and give every ratio to both
#             plain YARP hosts. The default baseline is yarp alone.
#   --mode    keep-alive (default): wrk on keep-alive connections, CPU per request. new-connections: each request
#             on a fresh connection (wrk with `Connection: close`, which makes wrk reconnect after every response),
#             CPU per connection; each run also counts the TCP connections accepted in this network namespace
#             (PassiveOpens in /proc/net/snmp) to show there was one per request. both: the one, then the other,
#             on the same proxy process, each after its own --warmup.
#   --interleave  every proxy is started once and stays up; each round then loads them in turn (the order rotating
#             as above), each for --duration, after one --warmup each at the start. This machine's speed swings by up
#             to 1.6x in episodes of seconds (docs/benchmarks.md, "the bimodal start is not a start"), so a proxy
#             measured in one long window per process lands in whichever episode runs then; many short interleaved
#             windows (e.g. --rounds 12 --duration 3) give every proxy the same mix, and the medians compare. Keep-alive
#             and new-connection runs only: no open-model run, no flood or JWT proxies, no --backend-capacity.
#   --starts K  with --interleave: all of the above K times over, each time with fresh processes (start every proxy,
#             warm each, the rounds, stop them all); default 1. The same gateway build read 44.5 µs per request in one
#             interleaved run and 57.1 in another (docs/benchmarks.md, "Issue 16: process starts": the machine's slow
#             episodes come and go over minutes, and a gateway's windows slow down more than plain YARP's in them), so
#             one run's few minutes are one sample. Every run in bench.json has its "start"; the medians
#             pool every start, and the report adds each start's medians, their spread (max ÷ min) and the CPU
#             targets start by start, so a reader sees whether the starts agree. With 4 windows or more a proxy (any
#             run), each CPU target's ratio also gets a 95% interval and a verdict only where it excludes the limit. Starts split over several
#             invocations (the same settings) make one report with
#             `python3 load-tests/bench-report.py --merge OUT DIR1 DIR2 ...`. Without --interleave each round is a
#             start of its own (a run's "start" is its round).
#   --probe   before and after each measured window, the machine's speed (load-tests/cpu-speed.py, 0.3 s each,
#             outside the window) as "speed_ms" in bench.json: tells a slow episode of the VM from a slow process.
#   --backend-capacity N:MS  the backend is a sample-backend instance with a capacity (N in service x MS each, the
#             rest queue) instead of nginx, and only the open model runs, at --rate (default 90% of N x 1000 / MS),
#             warmed up at that rate: issue 15's steady-load check that shedding refuses nothing below capacity and
#             costs nothing, e.g. --backend-capacity 32:20 --proxies "gateway-full gateway-noshed". The report gives each
#             proxy's CPU per request, p50/p99 and the requests refused (429/503) at that rate.
# Output: DIR/bench.json (every run and the medians) and DIR/bench.md (the table). DIR defaults to
# load-tests/reports/bench-<date>. Everything listens on 127.0.0.1; every run is bounded by --duration.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
. load-tests/lib.sh
. load-tests/bench-configs.sh

rounds=3
duration=10
connections="16 64 256"
rate=2000
warmup=10
proxies="gateway-full gateway-none yarp nginx haproxy direct"
out=""
quick=0
auth=()
build=1
baseline=default
mode=keep-alive
tls=0
backend_capacity=""
rate_given=0
interleave=0
probe=0
starts=1
gateway_dll=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; rounds=1; duration=1; warmup=1; connections="16"; rate=0; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --rate) rate="$2"; rate_given=1; shift 2 ;;
    --backend-capacity) backend_capacity="$2"; shift 2 ;;
    --proxies) proxies="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --baseline) baseline="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --tls) tls=1; shift ;;
    --interleave) interleave=1; shift ;;
    --probe) probe=1; shift ;;
    --starts) starts="$2"; shift 2 ;;
    --gateway-dll) gateway_dll="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$baseline" in
  default) ;;
  slim) case " $proxies " in
          *" yarp-slim "*) ;;
          *" yarp "*) proxies=" $proxies "; proxies="${proxies/ yarp / yarp yarp-slim }"; proxies="${proxies# }"; proxies="${proxies% }" ;;
          *) proxies="$proxies yarp-slim" ;;
        esac ;;
  *) echo "--baseline is default or slim, not $baseline" >&2; exit 2 ;;
esac
if [ -n "$backend_capacity" ]; then
  if ! [[ "$backend_capacity" =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]]; then
    echo "--backend-capacity is N:MS (requests in service : milliseconds each), not $backend_capacity" >&2; exit 2
  fi
  capacity_n="${backend_capacity%%:*}"
  capacity_ms="${backend_capacity##*:}"
  [ "$rate_given" -eq 1 ] || rate=$((capacity_n * 1000 * 9 / 10 / capacity_ms))
  mode=keep-alive
fi
case "$mode" in
  keep-alive|new-connections|both) ;;
  *) echo "--mode is keep-alive, new-connections or both, not $mode" >&2; exit 2 ;;
esac
[[ "$starts" =~ ^[1-9][0-9]*$ ]] || { echo "--starts is a whole number of process starts, 1 or more, not $starts" >&2; exit 2; }
[ "$starts" -eq 1 ] || [ "$interleave" -eq 1 ] || {
  echo "--starts is for --interleave: without it every round already starts every proxy afresh" >&2; exit 2; }
if [ "$interleave" -eq 1 ]; then
  [ -z "$backend_capacity" ] || { echo "--interleave runs the closed model only, not with --backend-capacity" >&2; exit 2; }
  case " $proxies " in *" gateway-jwt"*) echo "--interleave does not run the JWT proxies (one token and flood per run)" >&2; exit 2 ;; esac
  [ "$rate_given" -eq 0 ] || [ "$rate" -eq 0 ] || { echo "--interleave runs no open-model run: leave out --rate" >&2; exit 2; }
  rate=0
fi
out="${out:-$root/load-tests/reports/bench-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
work="$(mktemp -d)"

need() {
  local missing=()
  for tool in "$@"; do command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian's packages" >&2
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
need wrk:wrk nginx:nginx-light haproxy:haproxy python3:python3
scheme=http
if [ "$tls" -eq 1 ]; then
  need openssl:openssl
  scheme=https
  proxies="${proxies//direct/}"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
  cat "$work/tls.crt" "$work/tls.key" > "$work/tls.pem"
fi
# The proxy's listener arguments for the .NET hosts: --urls, or one Kestrel https endpoint.
listen_args() {
  if [ "$tls" -eq 1 ]; then
    echo "--Kestrel:Endpoints:tls:Url=https://127.0.0.1:$proxy_port --Kestrel:Endpoints:tls:Certificate:Path=$work/tls.crt --Kestrel:Endpoints:tls:Certificate:KeyPath=$work/tls.key"
  else
    echo "--urls http://127.0.0.1:$proxy_port"
  fi
}

if [ "$build" -eq 1 ] && ! build_log=$(dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly 2>&1); then
  echo "$build_log" >&2
  exit 1
fi
gateway_dll="${gateway_dll:-$root/src/Gateway/bin/Release/net10.0/Gateway.dll}"
yarp_dll="$root/load-tests/PlainYarp/bin/Release/net10.0/PlainYarp.dll"
loadtests_dll="$root/load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll"
backend_dll="$root/src/SampleBackend/bin/Release/net10.0/SampleBackend.dll"
if [ "$rate" -gt 0 ] && [ ! -f "$loadtests_dll" ]; then
  echo "the open-model runs need the load tester: $loadtests_dll is not built" >&2
  exit 1
fi

backend_port=$(free_port)
proxy_port=$(free_port)
admin_port=$(free_port)

pids=()
trap stop_and_clean EXIT INT TERM

# --- the backend: nginx, one worker, a fixed 128-byte JSON body from memory ---------------------------------
write_nginx_backend "$backend_port"
if [ -n "$backend_capacity" ]; then
  dotnet "$backend_dll" --instances "bench@local:$backend_port" --capacity "$capacity_n" --service-time-ms "$capacity_ms" \
    --control none >"$work/backend.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$backend_port/bench" "$work"
else
  nginx -c "$work/nginx-backend/nginx.conf" -p "$work/nginx-backend" &
  pids+=($!)
fi
backend_url="http://127.0.0.1:$backend_port/"

# --- proxy configurations --------------------------------------------------------------------------------------
case " $proxies " in *" gateway-jwt"*) need openssl:openssl; jwt_setup ;; esac

start_proxy() { # $1: proxy name; sets proxy_pid and target
  # NAME:LABEL runs NAME's configuration (kind), in a directory of its own.
  local name="$1" kind="${1%%:*}" dir="$work/$1"
  mkdir -p "$dir"
  proxy_admin=""
  target="$scheme://127.0.0.1:$proxy_port/bench"
  case "$kind" in
    gateway-full|gateway-none|gateway-noshed|gateway-accesslog|gateway-jwt|gateway-jwt-flood|gateway-jwt-ratelimit-flood)
      gateway_config "${kind#gateway-}" > "$dir/appsettings.json"
      local drain=()
      [ "$quick" -eq 0 ] || drain=(--Gateway:Shutdown:DrainDelay=00:00:00)
      # shellcheck disable=SC2046 # listen_args is split into arguments on purpose
      # Appended, not overwritten: a run's logs outlive each round's process (copied to DIR/logs at the end).
      (cd "$dir" && exec dotnet "$gateway_dll" $(listen_args) "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port" "${drain[@]}" >>"$dir/out.log" 2>&1) &
      proxy_admin=$admin_port
      ;;
    yarp)
      # shellcheck disable=SC2046
      (cd "$dir" && exec dotnet "$yarp_dll" $(listen_args) --destination "$backend_url" >>"$dir/out.log" 2>&1) &
      ;;
    yarp-slim-inline)
      (cd "$dir" && DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 exec dotnet "$yarp_dll" --slim --urls "http://127.0.0.1:$proxy_port" --destination "$backend_url" >>"$dir/out.log" 2>&1) &
      ;;
    yarp-slim)
      (cd "$dir" && exec dotnet "$yarp_dll" --slim --urls "http://127.0.0.1:$proxy_port" --destination "$backend_url" >>"$dir/out.log" 2>&1) &
      ;;
    nginx)
      cat > "$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 512; }
  server {
    listen 127.0.0.1:$proxy_port $([ "$tls" -eq 1 ] && echo ssl) backlog=4096;
    $([ "$tls" -eq 1 ] && echo "ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key; ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;")
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
      nginx -c "$dir/nginx.conf" -p "$dir" &
      ;;
    haproxy)
      cat > "$dir/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8192
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:$proxy_port $([ "$tls" -eq 1 ] && echo "ssl crt $work/tls.pem ssl-min-ver TLSv1.2 no-tls-tickets")
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:$backend_port
EOF
      haproxy -db -f "$dir/haproxy.cfg" >"$dir/out.log" 2>&1 &
      ;;
    direct)
      target="${backend_url}bench"
      proxy_pid=""
      return 0
      ;;
    *) echo "unknown proxy: $name" >&2; exit 2 ;;
  esac
  proxy_pid=$!
  pids+=("$proxy_pid")
  if [ "${kind#gateway-jwt}" != "$kind" ]; then auth=(-H "Authorization: Bearer $jwt_token"); else auth=(); fi
  wait_for "$target" "$dir" "${auth[@]}"
}

stop_proxy() {
  [ -n "${proxy_pid:-}" ] || return 0
  kill "$proxy_pid" 2>/dev/null || true
  wait "$proxy_pid" 2>/dev/null || true
  forget_pid "$proxy_pid"
  proxy_pid=""
}

# Drops a stopped process from pids, so the exit trap never signals a number the kernel may have given to another.
forget_pid() {
  local kept=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
}

peak_rss_kib() {
  local pid="$1" peak=0 p v
  [ -n "$pid" ] || { echo 0; return; }
  for p in $pid $(pgrep -P "$pid" 2>/dev/null); do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    peak=$((peak + ${v:-0}))
  done
  echo "$peak"
}

# TCP connections accepted so far in this network namespace (loopback included). Other processes on the machine add a
# few a second; a proxy that opened a backend connection per client connection would double the count.
passive_opens() {
  awk '/^Tcp:/ { if (!col) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") col = i } else print $col }' /proc/net/snmp
}

# wrk's summary line: requests, microseconds, all errors, p50, p99, then the errors by kind: "Non-2xx or 3xx responses"
# (status) and the socket errors (connect, read, write, timeout: no answer within wrk's 2 s).
cat > "$work/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %.1f %.1f %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
EOF

# The gateway's own count of its answers so far, from its admin listener's /metrics: "status CODE N" for each HTTP
# status the proxy listener answered (http.server.request.duration's count) and "shed REASON N" for each reason load
# shedding refused with (gateway.shedding.rejections); "edge REASON N" for each reason the edge closed a new connection
# unanswered (gateway.edge.rejected_connections: wrk counts those as read errors); "limit - N", its adaptive concurrency
# limit now (the largest over its clusters). Nothing for a proxy that is not the gateway.
gateway_answers() {
  [ -n "${1:-}" ] || return 0
  curl -s -m 2 "http://127.0.0.1:$1/metrics" | awk '
    /^http_server_request_duration_seconds_count\{/ && !/gateway_listener="admin"/ &&
      match($0, /http_response_status_code="[0-9]+"/) { n["status " substr($0, RSTART + 27, RLENGTH - 28)] += $NF }
    /^gateway_shedding_rejections_total\{/ &&
      match($0, /gateway_shedding_reason="[a-z_]+"/) { n["shed " substr($0, RSTART + 25, RLENGTH - 26)] += $NF }
    /^gateway_edge_rejected_connections_total\{/ &&
      match($0, /gateway_connection_reason="[a-z_]+"/) { n["edge " substr($0, RSTART + 27, RLENGTH - 28)] += $NF }
    /^gateway_shedding_limit\{/ && $NF > n["limit -"] { n["limit -"] = $NF }
    END { for (k in n) print k, n[k] }' || true
}
# answers_delta BEFORE AFTER (files of gateway_answers): what was counted in between, as the JSON fields
# "gateway_statuses", "gateway_shed" and "gateway_edge" ({} when nothing, or no gateway), and the limit before and
# after as "gateway_limit" ([] for no gateway).
answers_delta() {
  awk 'FNR == NR { before[$1 " " $2] = $3; next }
       $1 == "limit" { lim = sprintf("%d,%d", before["limit -"], $3); next }
       { d = $3 - before[$1 " " $2]; if (d > 0) { s = sprintf("\"%s\":%d", $2, d); if ($1 == "status") st = st (st ? "," : "") s; else if ($1 == "shed") sh = sh (sh ? "," : "") s; else ed = ed (ed ? "," : "") s } }
       END { printf "\"gateway_statuses\":{%s},\"gateway_shed\":{%s},\"gateway_edge\":{%s},\"gateway_limit\":[%s]", st, sh, ed, lim }' "$1" "$2"
}

ticks_per_second=$(getconf CLK_TCK)
results="$work/results.jsonl"
: > "$results"

# The current flood proxy's flood (wrk, 1 thread, 32 connections) for $2 seconds, $1 ms between a connection's
# requests; it prints the requests it sent as "FLOOD n". gateway-jwt-flood floods /forged (a route of its own with
# the valid clients' JWT policy) with forged tokens, gateway-jwt-ratelimit-flood /limited, whose rate limit refuses
# everything.
flood_path() { if [ "${name%%:*}" = gateway-jwt-ratelimit-flood ]; then echo /limited/x; else echo /forged/x; fi; }
flood() {
  local path
  path=$(flood_path)
  FLOOD_PATH="$path" FLOOD_DELAY_MS="$1" wrk -t1 -c32 -d"$2s" -s "$work/flood.lua" "${target%/bench}$path" 2>/dev/null
}
# What the current flood proxy's flood route answers a forged token (status and X-Gateway-Reason, e.g. "401
# unauthenticated"): proof each flood is refused by what it is meant to measure. Asked after the flood alone, so
# /limited's one permit is long spent.
flood_answer() {
  curl -s -o /dev/null -D - -m 2 -H "Authorization: Bearer ${jwt_token%.*}.AAAA" "${target%/bench}$(flood_path)" |
    tr -d '\r' | awk 'NR == 1 { status = $2 } tolower($1) == "x-gateway-reason:" { reason = $2 } END { print status " " reason }'
}
flood_requests_in() { sed -n 's/^FLOOD \([0-9]*\).*/\1/p' "$1" | head -n 1; }

# One wrk run against the current proxy, appended to $results. $1: closed (keep-alive) or new-connections; $2: connections.
wrk_run() {
  local model="$1" c="$2" threads=2 close=() before after opened line
  [ "$c" -lt 2 ] && threads=1
  [ "$model" = new-connections ] && close=(-H "Connection: close")
  # Read outside the CPU window: a scrape costs the gateway some CPU of its own.
  gateway_answers "$proxy_admin" > "$work/answers.before"
  local speed_before="" speed_after=""
  [ "$probe" -eq 0 ] || speed_before=$(python3 load-tests/cpu-speed.py 0.3)
  before=$(cpu_ticks "$proxy_pid")
  opened=$(passive_opens)
  local flood_pid="" flood_requests=0
  case "${name%%:*}" in
    gateway-jwt-flood|gateway-jwt-ratelimit-flood)
      flood 20 "$((duration + 1))" > "$work/flood.out" &
      flood_pid=$!
      ;;
  esac
  line=$(wrk -t"$threads" -c"$c" -d"${duration}s" "${close[@]}" "${auth[@]}" -s "$work/report.lua" "$target" 2>/dev/null | grep '^WRK ' || echo "WRK 0 1 0 0 0 0 0 0 0 0")
  if [ -n "$flood_pid" ]; then
    wait "$flood_pid" 2>/dev/null || true
    flood_requests=$(flood_requests_in "$work/flood.out")
  fi
  opened=$(( $(passive_opens) - opened ))
  after=$(cpu_ticks "$proxy_pid")
  [ "$probe" -eq 0 ] || speed_after=$(python3 load-tests/cpu-speed.py 0.3)
  gateway_answers "$proxy_admin" > "$work/answers.after"
  read -r _ requests micros errors p50 p99 non_2xx connect_errors read_errors write_errors timeouts <<<"$line"
  printf '{"start":%d,"round":%d,"proxy":"%s","model":"%s","connections":%d,"requests":%d,"seconds":%.3f,"errors":%d,"non_2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,%s,"p50_us":%s,"p99_us":%s,"cpu_ticks":%d,"ticks_per_second":%d,"peak_rss_kib":%d,"accepted":%d,"flood_requests":%d,"flood_seconds":%d,"pid":%d%s}\n' \
    "$start" "$round" "$name" "$model" "$c" "$requests" "$(echo "$micros / 1000000" | bc -l)" "$errors" "${non_2xx:-0}" \
    "${connect_errors:-0}" "${read_errors:-0}" "${write_errors:-0}" "${timeouts:-0}" \
    "$(answers_delta "$work/answers.before" "$work/answers.after")" "$p50" "$p99" \
    "$((after - before))" "$ticks_per_second" "$(peak_rss_kib "$proxy_pid")" "$opened" "${flood_requests:-0}" "$((duration + 1))" \
    "${proxy_pid:-0}" "${speed_before:+,\"speed_ms\":[$speed_before,$speed_after]}" >> "$results"
  echo "start $start round $round  $name  $model c=$c  $(tail -n 1 "$results")" >&2
}

read -ra proxy_list <<<"$proxies"
if [ "$interleave" -eq 1 ]; then
  # Every proxy up at once, each on ports of its own, warmed once; then short windows in turn, round after round.
  # With --starts K all of that K times, each time with fresh processes and minutes apart: one start's windows sample
  # only the few minutes it ran, and the same build has read 44.5 and 57.1 µs per request in two runs of one start
  # each (docs/benchmarks.md, "Issue 16: process starts"), so one start is one sample.
  declare -A proxy_ports proxy_pids proxy_targets proxy_admins
  for start in $(seq 1 "$starts"); do
    for name in "${proxy_list[@]}"; do
      proxy_port=$(free_port)
      admin_port=$(free_port)
      start_proxy "$name"
      proxy_ports[$name]=$proxy_port
      proxy_pids[$name]=$proxy_pid
      proxy_targets[$name]=$target
      proxy_admins[$name]=$proxy_admin
    done
    for name in "${proxy_list[@]}"; do
      target=${proxy_targets[$name]}
      [ "$mode" = new-connections ] || wrk -t2 -c64 -d"${warmup}s" "$target" >/dev/null 2>&1 || true
      [ "$mode" = keep-alive ] || wrk -t2 -c64 -d"${warmup}s" -H "Connection: close" "$target" >/dev/null 2>&1 || true
    done
    for round in $(seq 1 "$rounds"); do
      # Each start begins one further on than the last, so over the starts no proxy is always first after the warm-up.
      turn=$(( (round - 1 + start - 1) % ${#proxy_list[@]} ))
      for name in "${proxy_list[@]:turn}" "${proxy_list[@]:0:turn}"; do
        proxy_port=${proxy_ports[$name]}
        proxy_pid=${proxy_pids[$name]}
        target=${proxy_targets[$name]}
        proxy_admin=${proxy_admins[$name]}
        if [ "$mode" != new-connections ]; then
          for c in $connections; do wrk_run closed "$c"; done
        fi
        if [ "$mode" != keep-alive ]; then
          for c in $connections; do wrk_run new-connections "$c"; done
        fi
      done
    done
    # All signalled first, then waited for: the gateways' drain delays (5 s) run side by side.
    for name in "${proxy_list[@]}"; do [ -z "${proxy_pids[$name]}" ] || kill "${proxy_pids[$name]}" 2>/dev/null || true; done
    for name in "${proxy_list[@]}"; do
      proxy_pid=${proxy_pids[$name]}
      stop_proxy
    done
  done
fi
# One process per proxy per round (not with --interleave, whose rounds ran above).
sequential_rounds=$rounds
[ "$interleave" -eq 0 ] || sequential_rounds=0
for round in $(seq 1 "$sequential_rounds"); do
  start=$round # a fresh process for each proxy in each round
  # Each round starts one proxy further on: whatever a place in the order costs (the first run after the backend
  # started, the run after another proxy's unpaced flood) is not charged to the same proxy every round.
  turn=$(( (round - 1) % ${#proxy_list[@]} ))
  for name in "${proxy_list[@]:turn}" "${proxy_list[@]:0:turn}"; do
    start_proxy "$name"
    if [ -n "$backend_capacity" ]; then
      # Warm up at the measured rate: wrk's closed loop would overload a backend with a capacity.
      dotnet "$loadtests_dll" steady --target "${target%/bench}" --paths /bench --rate "$rate" --duration "${warmup}s" \
        --timeout 5s --out "$work/warm-$name-$round" --quiet >/dev/null 2>&1 || true
    fi
    if [ "$mode" != new-connections ]; then
      if [ -z "$backend_capacity" ]; then
        # Warm up (JIT tiering, connection pools) before anything is measured, the way it is measured: with its
        # flood beside it, so the flood's own code is compiled before the measured runs, not during the first.
        warm_flood=""
        case "${name%%:*}" in
          gateway-jwt-flood|gateway-jwt-ratelimit-flood) flood 20 "$warmup" >/dev/null & warm_flood=$! ;;
        esac
        wrk -t2 -c64 -d"${warmup}s" "${auth[@]}" "$target" >/dev/null 2>&1 || true
        [ -z "$warm_flood" ] || wait "$warm_flood" 2>/dev/null || true
        for c in $connections; do wrk_run closed "$c"; done
      fi
      if [ "$rate" -gt 0 ] && [ ${#auth[@]} -eq 0 ]; then
        # Open model: arrivals on schedule at a fixed rate, latency from the scheduled start (no coordinated omission).
        open_dir="$work/open-$name-$round"
        before=$(cpu_ticks "$proxy_pid")
        if dotnet "$loadtests_dll" steady --target "${target%/bench}" --paths /bench --rate "$rate" --duration "${duration}s" \
             --timeout 5s --out "$open_dir" --quiet >/dev/null 2>&1 && [ -f "$open_dir/report.json" ]; then
          python3 - "$open_dir/report.json" "$round" "$name" "$rate" "$(( $(cpu_ticks "$proxy_pid") - before ))" \
            "$ticks_per_second" >> "$results" <<'EOF'
import json, sys
overall = json.load(open(sys.argv[1]))["runs"][0]["overall"]
lat = overall["latency"]
print(json.dumps({"start": int(sys.argv[2]), "round": int(sys.argv[2]), "proxy": sys.argv[3], "model": "open", "rate": int(sys.argv[4]),
                  "p50_us": lat["p50Ms"] * 1000, "p99_us": lat["p99Ms"] * 1000,
                  "requests": overall["calls"], "failed": overall["failed"],
                  "refused": sum(overall["statusCodes"].get(code, 0) for code in ("429", "503")),
                  "cpu_ticks": int(sys.argv[5]), "ticks_per_second": int(sys.argv[6])}))
EOF
          echo "round $round  $name  open ${rate}/s  $(tail -n 1 "$results")" >&2
        fi
      fi
    fi
    if [ "$mode" != keep-alive ]; then
      # The accept path has code of its own to warm up (connection middleware, per-connection state).
      wrk -t2 -c64 -d"${warmup}s" -H "Connection: close" "$target" >/dev/null 2>&1 || true
      for c in $connections; do wrk_run new-connections "$c"; done
    fi
    case "${name%%:*}" in
      gateway-jwt-flood|gateway-jwt-ratelimit-flood)
        # What one refusal costs: the flood alone, unpaced (a closed loop on 32 connections), CPU per refusal.
        flood 0 2 >/dev/null || true
        before=$(cpu_ticks "$proxy_pid")
        flood 0 "$duration" > "$work/flood.out" || true
        refused=$(flood_requests_in "$work/flood.out")
        after=$(cpu_ticks "$proxy_pid")
        printf '{"start":%d,"round":%d,"proxy":"%s","model":"flood","requests":%d,"cpu_ticks":%d,"ticks_per_second":%d,"answer":"%s"}\n' \
          "$start" "$round" "$name" "${refused:-0}" "$((after - before))" "$ticks_per_second" "$(flood_answer)" >> "$results"
        echo "round $round  $name  flood alone  $(tail -n 1 "$results")" >&2
        ;;
    esac
    stop_proxy
    if [ "${name%%:*}" = gateway-accesslog ]; then
      # Proof the log was on: its lines so far (every request of every round, warm-ups included).
      echo "round $round  $name  access.log: $(wc -l < "$work/$name/access.log" 2>/dev/null || echo 0) lines" >&2
    fi
  done
done

# The processes' own logs (the gateway's warnings and errors, nginx's error logs), for whatever wrk counted as errors.
mkdir -p "$out/logs"
for log in "$work"/*/out.log "$work"/*/error.log; do
  [ -s "$log" ] && cp "$log" "$out/logs/$(basename "$(dirname "$log")")-$(basename "$log")"
done
python3 load-tests/bench-report.py "$results" "$out" --rounds "$rounds" --duration "$duration" --warmup "$warmup" --rate "$rate" --starts "$starts" \
  ${backend_capacity:+--backend-capacity "$backend_capacity"} $([ "$interleave" -eq 0 ] || echo --interleave)
echo "written: $out/bench.md and $out/bench.json" >&2
