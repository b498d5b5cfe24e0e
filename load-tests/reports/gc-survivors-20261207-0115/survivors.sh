#!/bin/bash
# survivors.sh: managed heap kept per idle client connection through the gateway (load-tests/shedding config)
cd /work/main
dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25101 --capacity 2000 --service-time-ms 1 --control 25100 > /tmp/surv-backend.log 2>&1 &
b=$!
sleep 3
(cd load-tests/shedding && exec dotnet /work/main/src/Gateway/bin/Release/net10.0/Gateway.dll --urls http://127.0.0.1:28080 --Gateway:Admin:Urls=http://127.0.0.1:29901) > /tmp/surv-gw.log 2>&1 &
g=$!
for i in $(seq 1 30); do curl -fs localhost:28080/api/ready >/dev/null && break; sleep 1; done
heap() { curl -fs localhost:29901/metrics | grep -E '^dotnet_gc_last_collection_heap_size_bytes|^dotnet_gc_collections_total' | sed -E 's/\{otel_scope_name="System.Runtime",gc_heap_generation=/ /; s/\}//' | tr '\n' ' '; echo; }
wrk -t1 -c4 -d8s http://127.0.0.1:28080/api/state > /dev/null; heap
wrk -t1 -c4 -d8s http://127.0.0.1:28080/api/state > /dev/null; echo "baseline: $(heap)"
python3 /tmp/conns.py 5000 28080 40 & p=$!
sleep 15
wrk -t1 -c4 -d8s http://127.0.0.1:28080/api/state > /dev/null; echo "5000 idle: $(heap)"
wrk -t1 -c4 -d8s http://127.0.0.1:28080/api/state > /dev/null; echo "5000 idle: $(heap)"
kill $p $g; kill $b
