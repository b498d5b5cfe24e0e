#!/usr/bin/env bash
# The load-shedding proof (issue 7): one sample-backend instance with the capacity model, a reconnect storm of naive
# `immediate`-retry clients straight at it, then the same storm through the gateway with this folder's
# appsettings.json, same machine, same run. Both targets are warmed first (a gateway that has served before the
# outage, not a cold JIT). A summary with the proof's figures is written beside the two reports.
#
# Default scale (a quarter of the issue's, the same shape): capacity 50 in service x 20 ms = 2,500 calls/s at best;
# 5,000 clients within 5 s, 5 calls each (3 bootstrap calls, 2 heartbeats) = 25,000 calls = 10 s of ideal work, so
# the storm asks for twice what the backend serves while it arrives. The issue's own scale (--full: capacity 200,
# 20,000 clients) needs about four times the CPU of this scale for the gateway, the backend and the load generator
# together, which a 2-core machine does not have; run it where they get their own cores.
#
# Routes (appsettings.json): /session/* critical, /api/* default, /sync/* sheddable (the heartbeats: background sync).
#
# Usage: load-tests/shedding/run.sh [--full] [--capacity N] [--service-ms N] [--no-build] [--generator-nice N]
#                                  [--gateway-set Key=Value ...] [--gateway-dll PATH] [load-test options...]
#   e.g. load-tests/shedding/run.sh --clients 5000 --window 5s --policy immediate,honour-retry-after
#   --generator-nice -10 runs the load generator at a higher CPU priority (root only), so that on a machine it shares
#   with the gateway and the backend its clock measures them rather than its own wait for a core.
#   --gateway-set overrides one gateway config key, e.g. --gateway-set Gateway:Shedding:StandingQueueWait=00:00:00.005
#   --gateway-env sets one environment variable for the gateway alone, e.g. --gateway-env DOTNET_gcServer=0
#   --gateway-dll starts another build of the gateway instead of src/Gateway/bin/Release/net10.0/Gateway.dll, e.g. a
#   ReadyToRun publish (docs/load-shedding.md, "Precompiled (ReadyToRun)"), to compare the JIT time each spends in the storm
#   --haproxy adds a third storm through HAProxy tuned to the backend (maxconn = capacity, 100 ms queue), port 27080
# Ports apart from the demo and the tests: backend 25101, control 25100, gateway 28080, admin 29901.
set -euo pipefail
cd "$(dirname "$0")/../.."
. load-tests/lib.sh

capacity=50
service_ms=20
clients=5000
build=1
nice_level=0
haproxy=0
gateway_dll=src/Gateway/bin/Release/net10.0/Gateway.dll
gateway_named=()
gateway_args=()
gateway_env=()
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) capacity=200; clients=20000; shift ;;
    --capacity) capacity="$2"; shift 2 ;;
    --service-ms) service_ms="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --generator-nice) nice_level="$2"; shift 2 ;;
    --gateway-set) gateway_args+=("--$2"); shift 2 ;;
    --gateway-env) gateway_env+=("$2"); shift 2 ;;
    --gateway-dll) gateway_dll="$2"; gateway_named=(--gateway-dll "$2"); shift 2 ;;
    --haproxy) haproxy=1; shift ;;
    # Before anything is built: asking how to use it must not cost a Release build.
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done
[ "$build" -eq 1 ] && dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly
# The gateway starts in this script's folder (its appsettings.json): the path must not depend on where that is.
[ -f "$gateway_dll" ] || { echo "no gateway at $gateway_dll (build it, or name another with --gateway-dll)" >&2; exit 2; }
gateway_dll="$(cd "$(dirname "$gateway_dll")" && pwd)/$(basename "$gateway_dll")"

stamp="$(date -u +%Y%m%d-%H%M%S)"
out="load-tests/reports/shedding-$stamp"
mkdir -p "$out"
logs="$(mktemp -d)"
storm=(--clients "$clients" --window 5s --policy immediate --heartbeat-path /sync/heartbeat "${pass[@]}")
loadtest=(nice -n "$nice_level" dotnet load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll)

dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25101 \
  --capacity "$capacity" --service-time-ms "$service_ms" --control 25100 >"$logs/backend.log" 2>&1 &
backend=$!
gateway=""
sampler=""
observer_warm=""
trap 'kill $gateway $sampler $observer_warm 2>/dev/null || true; kill -KILL "$backend" 2>/dev/null || true; echo "logs in $logs"' EXIT INT TERM

# One storm. Exit code 1 means the load tester wrote its report but cancelled sessions still in flight at the end of
# --drain (clients that never stop retrying a target that never recovers: the collapse a proof must be able to show);
# the script goes on to the next target. Anything else (2: bad arguments) stops it.
storm() {
  local rc=0
  "${loadtest[@]}" reconnect-storm "$@" || rc=$?
  if [ "$rc" -eq 1 ]; then
    echo "storm at $2: aborted at the end of the drain (sessions still retrying), report written" >&2
  elif [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
}

warm() {
  "${loadtest[@]}" steady --target "$1" --rate 400 --duration 6s --paths /session/auth,/api/state,/sync/heartbeat \
    --out "$logs/warm-$(date +%s)" --quiet >/dev/null
  sleep 2
}

wait_for http://127.0.0.1:25100/instances "$logs"
warm http://127.0.0.1:25101
storm --target http://127.0.0.1:25101 --control http://127.0.0.1:25100 \
  --out "$out/direct" --quiet "${storm[@]}"
sleep 10 # the backend drains its queue and sockets leave TIME_WAIT before the second storm

(cd load-tests/shedding && exec env "${gateway_env[@]}" dotnet "$gateway_dll" \
  --urls http://127.0.0.1:28080 --Gateway:Admin:Urls=http://127.0.0.1:29901 "${gateway_args[@]}") >"$logs/gateway.log" 2>&1 &
gateway=$!
wait_for http://127.0.0.1:28080/api/ready "$logs"
# The sampler below reads /metrics and /admin/clusters twice a second through the storm. Read cold, their first calls
# and their tier-up were 40% of the methods the gateway JIT-compiled in the storm (docs/load-shedding.md, "Precompiled
# (ReadyToRun)"): the observer's cost, not the gateway's. Read them through the warm-up as well, ten times a second.
(while :; do
   curl -fs -o /dev/null http://127.0.0.1:29901/metrics || true
   curl -fs -o /dev/null http://127.0.0.1:29901/admin/clusters || true
   sleep 0.1
 done) &
observer_warm=$!
warm http://127.0.0.1:28080
kill "$observer_warm" 2>/dev/null || true
wait "$observer_warm" 2>/dev/null || true
observer_warm=""
curl -fs -o "$logs/metrics-before.txt" http://127.0.0.1:29901/metrics
# What the limit did during the storm: the api cluster's limit, in-flight and queued requests twice a second, and,
# from the gateway's own request-duration histogram, how many refusals so far took over 5 ms and how many critical
# answers over 100 ms (the two criteria on the gateway's clock), and the gateway's garbage-collection pauses in ms, so
# that a run that misses one says when, and whether the gateway had stopped for its GC then; then whether the limit was
# still finding capacity (slow start) and the default priority's refusals so far as backlog and as queue_timeout, which
# tell a refusal on the queue's pace from one at the end of the wait; then the gateway process itself (thread-pool queue
# and threads, Kestrel connections open on the proxy port, requests answered so far, JIT time and garbage collections
# so far, and methods JIT-compiled so far), which tell a gateway that stalls from one that refuses; last the critical
# refusals so far sent back for more than 2 s and all critical refusals so far, which tell when the pacer sent sessions far. SHEDDING_SAMPLE_SECONDS=0.1 samples finer.
mkdir -p "$out/gateway"
python3 -c '
import json, re, sys, time, urllib.request
sys.path.insert(0, "load-tests/shedding")
from summarise import buckets, counter
scrape = sys.argv[1]
interval = float(sys.argv[2])
begin = time.monotonic()
def slow_counts():
    with urllib.request.urlopen("http://127.0.0.1:29901/metrics", timeout=1) as r, open(scrape, "wb") as f:
        f.write(r.read())
    refusals, critical = buckets(scrape, 503, None), buckets(scrape, 200, "/session/{**rest}")
    late = refusals.get(float("inf"), 0) - refusals.get(0.005, 0)
    slow = critical.get(float("inf"), 0) - critical.get(0.1, 0)
    return late, slow, int(1000 * counter(scrape, "dotnet_gc_pause_time_seconds_total"))
def process():
    """The gateway process: thread-pool queue and threads, Kestrel connections open, requests answered, JIT ms, collections, JIT methods."""
    conns = 0
    with open(scrape, encoding="utf-8") as f:
        for line in f:
            if line.startswith("kestrel_active_connections{") and "server_port=\"28080\"" in line:
                conns += int(float(line.split()[-1]))
    return (int(counter(scrape, "dotnet_thread_pool_queue_length_total")), int(counter(scrape, "dotnet_thread_pool_thread_count_total")),
            conns, int(counter(scrape, "http_server_request_duration_seconds_count")),
            int(1000 * counter(scrape, "dotnet_jit_compilation_time_seconds_total")), int(counter(scrape, "dotnet_gc_collections_total")),
            int(counter(scrape, "dotnet_jit_compiled_methods_total")))
def long_retry_after():
    """Critical refusals so far sent back for more than 2 s, and all critical refusals so far (from the pacer histogram)."""
    counts = {}
    with open(scrape, encoding="utf-8") as f:
        for line in f:
            if line.startswith("gateway_shedding_retry_after_seconds_bucket{") and "gateway_priority=\"critical\"" in line:
                counts[line.split("le=\"")[1].split("\"")[0]] = int(float(line.split()[-1]))
    return counts.get("+Inf", 0) - counts.get("2", 0), counts.get("+Inf", 0)
def refused(reason):
    pattern = re.compile(r"^gateway_shedding_rejections_total\{.*gateway_priority=\"default\".*gateway_shedding_reason=\"" + reason + r"\"\} (\d+)")
    with open(scrape, encoding="utf-8") as f:
        return sum(int(m.group(1)) for m in map(pattern.match, f) if m)
print("t_s limit in_flight queued refusals_over_5ms critical_over_100ms gc_pause_ms finding_capacity default_backlog default_queue_timeout"
      " pool_queue pool_threads connections requests jit_ms collections jit_methods critical_retry_after_over_2s critical_refused", flush=True)
while True:
    time.sleep(interval)
    try:
        with urllib.request.urlopen("http://127.0.0.1:29901/admin/clusters", timeout=1) as r:
            c = json.load(r)["clusters"][0]
        late, critical, gc = slow_counts()
        finding = {True: 1, False: 0}.get(c.get("findingCapacity"), "-")
        print(f"{time.monotonic() - begin:.1f}", c.get("concurrencyLimit"), c.get("inFlight"), c.get("queued"), late, critical, gc,
              finding, refused("backlog"), refused("queue_timeout"), *process(), *long_retry_after(), flush=True)
    except Exception as e:
        print(f"{time.monotonic() - begin:.1f} error {e}", flush=True)
' "$logs/metrics-now.txt" "${SHEDDING_SAMPLE_SECONDS:-0.5}" >"$out/gateway/limit-timeline.txt" &
sampler=$!
storm --target http://127.0.0.1:28080 --control http://127.0.0.1:25100 \
  --out "$out/gateway" --quiet "${storm[@]}"
kill "$sampler" 2>/dev/null || true
curl -fs -o "$logs/metrics-after.txt" http://127.0.0.1:29901/metrics
curl -fs -o "$out/gateway/admin-clusters.json" http://127.0.0.1:29901/admin/clusters

if [ "$haproxy" -eq 1 ]; then
  kill "$gateway" 2>/dev/null || true
  gateway=""
  sleep 10 # the backend drains and sockets leave TIME_WAIT before the third storm
  # HAProxy as the issue tunes it: at most `capacity` requests at the backend (server maxconn), the rest wait in
  # HAProxy's queue at most 100 ms (timeout queue) and then get its 503; a queued request whose client has gone is
  # dropped unserved (abortonclose), as the gateway drops such a waiter. The frontend takes up to the global maxconn
  # (9,000, within the 20,000 open files at 2 per connection), so the storm's 5,000 clients are accepted, not left
  # in the listen backlog; backend connections are kept and reused.
  mkdir -p "$out/haproxy"
  cat >"$out/haproxy/haproxy.cfg" <<EOF
global
  maxconn 9000
defaults
  mode http
  option abortonclose
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout queue 100ms
frontend storm
  bind 127.0.0.1:27080 backlog 4096
  default_backend api
backend api
  http-reuse always
  server b1 127.0.0.1:25101 maxconn $capacity
EOF
  haproxy -f "$out/haproxy/haproxy.cfg" >"$logs/haproxy.log" 2>&1 &
  gateway=$!
  sleep 1
  warm http://127.0.0.1:27080
  storm --target http://127.0.0.1:27080 --control http://127.0.0.1:25100 \
    --out "$out/haproxy" --quiet "${storm[@]}"
fi

python3 load-tests/shedding/summarise.py "$out" "$capacity" "$service_ms" "$logs/metrics-before.txt" "$logs/metrics-after.txt" \
  "load-tests/shedding/run.sh --capacity $capacity --service-ms $service_ms --clients $clients --generator-nice $nice_level ${gateway_env[*]/#/--gateway-env } ${gateway_args[*]/#--/--gateway-set } ${gateway_named[*]} ${pass[*]}" | tee "$out/summary.md"
