#!/usr/bin/env bash
# What a load-shedding refusal costs the gateway: wrk (16 keep-alive connections, 5 s after a 3 s warm-up) against a
# route whose every request is refused (a sheddable route with SheddableFraction 0 and no queue), beside a path no
# route matches (404, the least a request can cost) and a proxied route (200 from the sample backend, 1 ms). Prints
# requests, wrk's latency and the gateway process's CPU time per request from /proc.
# Usage: load-tests/shedding/refusal-cost.sh [--no-build]. Ports: backend 25101, control 25100, gateway 28080, admin 29901.
set -euo pipefail
cd "$(dirname "$0")/../.."
. load-tests/lib.sh
[ "${1:-}" = "--no-build" ] || dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

logs="$(mktemp -d)"
dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25101 --capacity 100 \
  --service-time-ms 1 --control 25100 >"$logs/backend.log" 2>&1 &
backend=$!
(cd load-tests/shedding && exec dotnet ../../src/Gateway/bin/Release/net10.0/Gateway.dll --urls http://127.0.0.1:28080 \
  --Gateway:Admin:Urls=http://127.0.0.1:29901 --Gateway:Shedding:SheddableFraction=0 --Gateway:Shedding:QueueLimit=0) >"$logs/gateway.log" 2>&1 &
gateway=$!
trap 'kill "$gateway" 2>/dev/null || true; kill -KILL "$backend" 2>/dev/null || true; rm -rf "$logs"' EXIT INT TERM
wait_for http://127.0.0.1:28080/api/ready "$logs"

ticks() { awk '{print $14 + $15}' "/proc/$gateway/stat"; }
echo "| path | answer | requests in 5 s | wrk p50 | wrk p99 | gateway CPU per request |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for entry in "/sync/refused:503 overloaded" "/no-route:404" "/api/proxied:200 proxied"; do
  path="${entry%%:*}"
  wrk -t1 -c16 -d3s "http://127.0.0.1:28080$path" >/dev/null
  before=$(ticks)
  result=$(wrk -t1 -c16 -d5s --latency "http://127.0.0.1:28080$path")
  after=$(ticks)
  requests=$(echo "$result" | awk '/requests in/ {print $1}')
  p50=$(echo "$result" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$result" | awk '$1 == "99%" {print $2}')
  hz=$(getconf CLK_TCK)
  echo "| \`$path\` | ${entry#*:} | $requests | $p50 | $p99 | $(python3 -c "print(f'{($after - $before) / $hz / $requests * 1e6:.1f} µs')") |"
done
