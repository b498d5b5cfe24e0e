#!/usr/bin/env bash
# The fleet pacing proof (issue 19, part 3): three gateway instances behind HAProxy round robin, one sample-backend
# instance of fixed capacity behind them, one redis-server they share, and a reconnect storm of clients that honour
# Retry-After. Run twice in one invocation: with shared pacing (Gateway:Shedding:SharedPacing=true, the default)
# and with local pacing (false). The summary compares, per run, the backend's arrival rate per second (the storm's
# goodput timeline: what the gateways let through) and the time until every session was served.
#
# Default scale as load-tests/shedding/run.sh: capacity 50 x 20 ms = 2,500 calls/s, 5,000 clients within 5 s. Five
# .NET processes, HAProxy, Redis and the load generator need more than 2 cores: run it on a quiet machine with 8 or
# more; --smoke runs 200 clients to check the plumbing only (its figures mean nothing).
#
# Usage: load-tests/fleet/run.sh [--smoke] [--capacity N] [--service-ms N] [--clients N] [--weights A,B,C]
#                                [--join-at SECONDS] [--no-build] [load-test options...]
#   --weights  HAProxy weights of the three gateways (default 1,1,1: an even round robin). Uneven weights (4,1,1) are
#              the case shared pacing is for: each instance then refuses a share of the storm out of proportion to the
#              share of the backend it completes, so its own counts no longer describe the fleet.
#   --join-at  the third gateway is not running when the storm starts: it is started SECONDS into the storm (as an
#              autoscaler adds an instance), cold, and HAProxy sends it its share once its health check (/readyz on its
#              admin port, every 250 ms) passes. Its own counts are then a cold instance's (few completions, its share
#              of the refusals), not the fleet's; the summary adds each gateway's Retry-After values and when it joined.
# Ports apart from the other scripts: backend 25201, control 25200, gateways 28181-28183, admin 29911-29913,
# HAProxy 27180, Redis 26479.
set -euo pipefail
cd "$(dirname "$0")/../.."
. load-tests/lib.sh

capacity=50
service_ms=20
clients=5000
window=5s
build=1
weights=1,1,1
join_at=
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) clients=200; window=2s; shift ;;
    --capacity) capacity="$2"; shift 2 ;;
    --service-ms) service_ms="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --weights) weights="$2"; shift 2 ;;
    --join-at) join_at="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) pass+=("$1"); shift ;;
  esac
done
IFS=, read -r w1 w2 w3 <<<"$weights"
for w in "$w1" "$w2" "$w3"; do
  [[ "$w" =~ ^[1-9][0-9]{0,2}$ ]] || { echo "--weights needs three whole numbers 1-256, like 4,1,1 (got '$weights')" >&2; exit 2; }
done
if [ -n "$join_at" ] && ! [[ "$join_at" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "--join-at needs seconds into the storm, like 2 or 1.5 (got '$join_at')" >&2
  exit 2
fi
[ "$build" -eq 1 ] && dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly

stamp="$(date -u +%Y%m%d-%H%M%S)"
out="load-tests/reports/fleet-$stamp"
mkdir -p "$out"
logs="$(mktemp -d)"
loadtest=(dotnet load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll)
storm=(--clients "$clients" --window "$window" --policy honour-retry-after --heartbeat-path /sync/heartbeat "${pass[@]}")
pids=()
# gone PID: waits up to 10 s for a process that is not this shell's child to exit.
gone() {
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
}
cleanup() {
  # A joining gateway is started by a background job, which leaves its pid in a file.
  for f in "$logs"/joined-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Wait for them to go, so the next run can take the same ports (Redis's, above all).
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for f in "$logs"/joined-*.pid; do [ -f "$f" ] && gone "$(cat "$f")"; done
  echo "logs in $logs"
}
trap cleanup EXIT INT TERM

redis-server --port 26479 --bind 127.0.0.1 --save "" --appendonly no >"$logs/redis.log" 2>&1 &
pids+=($!)
# Shared pacing without Redis is local pacing: a Redis still closing from a previous run (its port taken) once made
# both halves of a comparison local. Wait for this one to answer, or stop.
for _ in $(seq 1 50); do
  [ "$(redis-cli -p 26479 ping 2>/dev/null)" = PONG ] && break
  sleep 0.2
done
redis_pid=${pids[-1]}
sleep 0.3 # a redis-server that cannot bind exits at once: give it the time to
if [ "$(redis-cli -p 26479 ping 2>/dev/null)" != PONG ] || ! kill -0 "$redis_pid" 2>/dev/null; then
  echo "our redis-server on 26479 is not the one answering (port taken?); see $logs/redis.log" >&2
  exit 1
fi
dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25201 \
  --capacity "$capacity" --service-time-ms "$service_ms" --control 25200 >"$logs/backend.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:25200/instances "$logs"

# The joining gateway is health-checked (down until it answers /readyz); the others are taken as up, as before.
g3_check=
[ -n "$join_at" ] && g3_check="check port 29913 inter 250ms rise 1 fall 1"
cat >"$logs/haproxy.cfg" <<CFG
global
  maxconn 9000
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check 1s
frontend storm
  bind 127.0.0.1:27180 backlog 4096
  default_backend gateways
backend gateways
  balance roundrobin
  http-reuse always
  server g1 127.0.0.1:28181 weight $w1
  server g2 127.0.0.1:28182 weight $w2
  option httpchk GET /readyz
  server g3 127.0.0.1:28183 weight $w3 $g3_check
CFG
haproxy -f "$logs/haproxy.cfg" >"$logs/haproxy.log" 2>&1 &
pids+=($!)

# gateway NAME SHARED I: starts gateway I in the background with Gateway:Shedding:SharedPacing=SHARED.
gateway() {
  # The backend of load-tests/shedding/appsettings.json, moved to this script's port.
  (cd load-tests/shedding && exec dotnet ../../src/Gateway/bin/Release/net10.0/Gateway.dll \
    --urls "http://127.0.0.1:2818$3" --Gateway:Admin:Urls="http://127.0.0.1:2991$3" \
    --Gateway:Redis:Configuration=127.0.0.1:26479 --Gateway:Shedding:SharedPacing="$2" \
    --ReverseProxy:Clusters:api:Destinations:eu-1:Address=http://127.0.0.1:25201/) >"$logs/gateway-$1-$3.log" 2>&1 &
}

# join NAME SHARED: --join-at seconds after the storm's start, starts the third gateway and notes when it started and
# when its /readyz (HAProxy's check) first answered, in seconds since the storm's start.
join() {
  local t0 started ready
  # The storm begins when the backend has work again (the warm-up's has drained): the load generator's own start-up
  # is not the storm's.
  for _ in $(seq 1 500); do
    curl -fs -m 1 http://127.0.0.1:25200/instances | grep -q '"inService":0,' || break
    sleep 0.02
  done
  t0="$EPOCHREALTIME"
  sleep "$join_at"
  gateway "$1" "$2" 3
  echo $! >"$logs/joined-$1.pid"
  started="$(echo "$EPOCHREALTIME - $t0" | bc)"
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null -m 1 http://127.0.0.1:29913/readyz && break
    sleep 0.05
  done
  ready="$(echo "$EPOCHREALTIME - $t0" | bc)"
  printf 'started %.2f s, ready %.2f s after the storm began\n' "$started" "$ready" >"$out/$1/joined.txt"
}

# run NAME SHARED: three gateways with Gateway:Shedding:SharedPacing=SHARED (the third one joining during the storm
# with --join-at), a warm-up, the storm through HAProxy.
run() {
  local name="$1" shared="$2" gateways=() first=(1 2 3) joiner=
  [ -n "$join_at" ] && first=(1 2)
  for i in "${first[@]}"; do
    gateway "$name" "$shared" "$i"
    gateways+=($!)
    pids+=($!)
  done
  for i in "${first[@]}"; do wait_for "http://127.0.0.1:2818$i/api/ready" "$logs"; done
  "${loadtest[@]}" steady --target http://127.0.0.1:27180 --rate 300 --duration 6s \
    --paths /session/auth,/api/state,/sync/heartbeat --out "$logs/warm-$name" --quiet >/dev/null
  sleep 2
  mkdir -p "$out/$name"
  if [ -n "$join_at" ]; then
    join "$name" "$shared" &
    joiner=$!
  fi
  "${loadtest[@]}" reconnect-storm --target http://127.0.0.1:27180 --control http://127.0.0.1:25200 \
    --out "$out/$name" --quiet "${storm[@]}"
  if [ -n "$joiner" ]; then
    wait "$joiner" || true
    gateways+=("$(cat "$logs/joined-$name.pid")")
  fi
  for i in 1 2 3; do curl -fs -o "$out/$name/metrics-$i.txt" "http://127.0.0.1:2991$i/metrics" || true; done
  kill "${gateways[@]}" 2>/dev/null || true
  # The joined gateway is not this shell's child: wait for it by polling.
  for pid in "${gateways[@]}"; do gone "$pid"; done
  sleep 10 # the backend drains its queue and sockets leave TIME_WAIT before the next storm
}

run shared true
run local false

python3 load-tests/fleet/summarise.py "$out" \
  "load-tests/fleet/run.sh --capacity $capacity --service-ms $service_ms --clients $clients --weights $weights${join_at:+ --join-at $join_at} ${pass[*]}" | tee "$out/summary.md"
