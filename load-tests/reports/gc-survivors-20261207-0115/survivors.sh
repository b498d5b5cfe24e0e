#!/bin/bash
# survivors.sh [--gcdump]: the managed heap the gateway (load-tests/shedding config) keeps for 5,000 idle keep-alive
# connections that each served one proxied request. Without --gcdump: the heap's generations from the admin /metrics
# after the collections that wrk's load brings, before and with the connections. With --gcdump: a heap dump before and
# one with the connections (dotnet-gcdump on PATH or in ~/.dotnet/tools), read with `dotnet-gcdump report FILE`.
# Run from anywhere, after a Release build, under the machine lock.
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
dump=0; [ "${1:-}" = "--gcdump" ] && dump=1
gcdump="$(command -v dotnet-gcdump || echo ~/.dotnet/tools/dotnet-gcdump)"
dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25101 --capacity 2000 --service-time-ms 1 --control 25100 > /tmp/surv-backend.log 2>&1 &
b=$!
sleep 3
gateway_dll="$PWD/src/Gateway/bin/Release/net10.0/Gateway.dll"
(cd load-tests/shedding && exec dotnet "$gateway_dll" --urls http://127.0.0.1:28080 --Gateway:Admin:Urls=http://127.0.0.1:29901) > /tmp/surv-gw.log 2>&1 &
g=$!
trap 'kill "$p" "$g" "$b" 2>/dev/null' EXIT
for i in $(seq 1 30); do curl -fs localhost:28080/api/ready >/dev/null && break; sleep 1; done
heap() { curl -fs localhost:29901/metrics | grep -E '^dotnet_gc_last_collection_heap_size_bytes|^dotnet_gc_collections_total' | sed -E 's/\{otel_scope_name="System.Runtime",gc_heap_generation=/ /; s/\}//' | tr '\n' ' '; echo; }
load() { wrk -t1 -c4 -d"$1" http://127.0.0.1:28080/api/state > /dev/null; }
if [ "$dump" -eq 1 ]; then
  load 5s; "$gcdump" collect -p "$g" -o /tmp/gw-base.gcdump > /dev/null 2>&1
else
  load 8s; heap; load 8s; echo "baseline: $(heap)"
fi
python3 "$here/conns.py" 5000 28080 60 & p=$!
sleep 15
if [ "$dump" -eq 1 ]; then
  "$gcdump" collect -p "$g" -o /tmp/gw-5000.gcdump > /dev/null 2>&1
else
  load 8s; echo "5000 idle: $(heap)"; load 8s; echo "5000 idle: $(heap)"
fi
