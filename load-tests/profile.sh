#!/usr/bin/env bash
# Where a proxied request's CPU goes, by component, for the gateway beside plain YARP (issue 16). Each proxy in turn
# in front of bench.sh's nginx backend, the same configurations (gateway-none, gateway-full, yarp, yarp-slim), under
# wrk on keep-alive connections; after a warm-up, `perf record` samples the proxy's threads (cpu-clock, with the
# runtime's perf map so JIT-compiled frames have names) for --duration while wrk runs. Proxies alternate over the
# rounds. load-tests/profile-report.py then charges each sample to the component of its innermost frame (an
# assembly, a gateway feature folder, the runtime, the kernel) and writes the median over rounds as CPU µs per
# request, beside the differences to the first baseline that ran; a second table charges each sample to the step
# (gateway type, YARP, Polly, OpenTelemetry) innermost on its stack, so framework work a step causes is the step's.
# Sampling adds its own cost (each proxy about the same), so the totals run above bench.sh's CPU per request; the
# split, not the total, is the point.
#
# With --close every request carries `Connection: close` (as bench.sh's new-connection mode), so wrk opens a fresh
# connection for each: the table is then CPU µs per new connection, accept to close, where the per-connection costs
# (Kestrel's connection set-up, its logging scope and metrics, the gateway's connection steps) show.
#
# gateway-jwt-flood and gateway-jwt-ratelimit-flood (bench.sh's configurations) are profiled under their flood alone,
# unpaced (wrk, 1 thread, 32 connections, as bench.sh's "flood alone"): forged tokens refused with 401 by the identity
# step, or the same requests refused with 429 by a rate limit; the table's figures are then CPU µs per refusal (issue 21).
#
# Usage: load-tests/profile.sh [--proxies "yarp-slim yarp gateway-none gateway-full"] [--rounds 3] [--duration 10]
#                              [--warmup 12] [--connections 32] [--frequency 1999] [--out DIR] [--no-build] [--close]
# Output: DIR/profile.md (the table), DIR/runs.jsonl (every run, component by component) and DIR/top-PROXY-ROUND.txt
# (each run's 60 busiest frames). DIR defaults to
# load-tests/reports/profile-<date>. Needs perf (Debian's linux-perf; installed when missing). Everything listens on
# 127.0.0.1; every run is bounded by --duration.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
. load-tests/lib.sh
. load-tests/bench-configs.sh

proxies="yarp-slim yarp gateway-none gateway-full"
rounds=3
duration=10
warmup=12
connections=32
frequency=1999
out=""
build=1
close=()
while [ $# -gt 0 ]; do
  case "$1" in
    --proxies) proxies="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --frequency) frequency="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --close) close=(-H "Connection: close"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for p in $proxies; do
  case "$p" in gateway-none|gateway-full|yarp|yarp-slim|gateway-jwt-flood|gateway-jwt-ratelimit-flood) ;; *) echo "profile.sh runs gateway-none, gateway-full, yarp, yarp-slim, gateway-jwt-flood and gateway-jwt-ratelimit-flood, not $p" >&2; exit 2 ;; esac
done

missing=()
for tool in wrk:wrk nginx:nginx-light perf:linux-perf python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$build" -eq 1 ] && ! build_log=$(dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly 2>&1); then
  echo "$build_log" >&2
  exit 1
fi

out="${out:-$root/load-tests/reports/profile-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
: > "$out/runs.jsonl"
work="$(mktemp -d)"
backend_port=$(free_port)
proxy_port=$(free_port)
admin_port=$(free_port)
pids=()
trap stop_and_clean EXIT INT TERM

start_nginx_backend "$backend_port"

# The runtime writes /tmp/perf-<pid>.map for JIT-compiled code; without W^X the code is not double-mapped, so perf
# can find it there.
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
case " $proxies " in *" gateway-jwt"*) jwt_setup ;; esac

# The load of one run for $2 seconds: wrk on /bench, or for the flood proxies their flood alone, unpaced. Prints wrk's
# report; requests_in reads the requests it completed.
load() {
  case "$1" in
    gateway-jwt-flood|gateway-jwt-ratelimit-flood)
      local path=/forged/x
      [ "$1" = gateway-jwt-ratelimit-flood ] && path=/limited/x
      FLOOD_PATH="$path" FLOOD_DELAY_MS=0 wrk -t1 -c32 -d"$2s" -s "$work/flood.lua" "http://127.0.0.1:$proxy_port$path"
      ;;
    *) wrk -t2 -c"$connections" -d"$2s" "${close[@]}" "http://127.0.0.1:$proxy_port/bench" ;;
  esac
}
requests_in() { grep -o '[0-9]* requests' "$1" | cut -d' ' -f1; }

unit=request; [ ${#close[@]} -eq 0 ] || unit="new connection"
for round in $(seq "$rounds"); do
  for name in $proxies; do
    dir="$work/$name"
    rm -rf "$dir"; mkdir -p "$dir"
    case "$name" in
      gateway-*)
        gateway_config "${name#gateway-}" > "$dir/appsettings.json"
        (cd "$dir" && exec dotnet "$root/src/Gateway/bin/Release/net10.0/Gateway.dll" --urls "http://127.0.0.1:$proxy_port" \
          "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port" >"$dir/out.log" 2>&1) &
        ;;
      yarp|yarp-slim)
        slim=(); [ "$name" = yarp-slim ] && slim=(--slim)
        (cd "$dir" && exec dotnet "$root/load-tests/PlainYarp/bin/Release/net10.0/PlainYarp.dll" "${slim[@]}" \
          --urls "http://127.0.0.1:$proxy_port" --destination "$backend_url" >"$dir/out.log" 2>&1) &
        ;;
    esac
    pid=$!
    auth=()
    [ "${name#gateway-jwt}" = "$name" ] || auth=(-H "Authorization: Bearer $jwt_token")
    wait_for "http://127.0.0.1:$proxy_port/bench" "$dir" "${auth[@]}"
    load "$name" "$warmup" >/dev/null
    before=$(cpu_ticks "$pid")
    perf record -q -F "$frequency" -g -p "$pid" -o "$dir/perf.data" -- sleep "$duration" >/dev/null 2>&1 &
    perf_pid=$!
    load "$name" "$duration" > "$dir/wrk.txt"
    wait "$perf_pid" || true
    after=$(cpu_ticks "$pid")
    requests=$(requests_in "$dir/wrk.txt")
    perf report -i "$dir/perf.data" --no-children --sort dso,sym --stdio -g none --show-nr-samples 2>/dev/null > "$dir/report.txt"
    # The 60 busiest frames of each run, to read what a component's time is.
    grep -m 60 '%' "$dir/report.txt" > "$out/top-$name-$round.txt" || true
    # Every sample's stack, for the table by step.
    perf script -i "$dir/perf.data" -F ip,sym,dso 2>/dev/null > "$dir/script.txt" || true
    python3 load-tests/profile-report.py --run "$name" "$round" "$requests" "$((after - before))" "$frequency" "$dir/report.txt" "$dir/script.txt" >> "$out/runs.jsonl"
    rm -f "$dir/script.txt"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "round $round $name: $requests requests, $(python3 -c "print(round(($after - $before) * 1e4 / $requests, 1))") µs CPU per ${unit} (under sampling)"
  done
done

python3 load-tests/profile-report.py --table "$out/runs.jsonl" \
  "load-tests/profile.sh --proxies \"$proxies\" --rounds $rounds --duration $duration --warmup $warmup --connections $connections${close:+ --close}" "$unit" > "$out/profile.md"
cat "$out/profile.md"
