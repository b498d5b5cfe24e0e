#!/bin/bash
# gcdump.sh: heap of the gateway holding 5,000 idle keep-alive connections that each served one proxied request
cd /work/main
dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25101 --capacity 2000 --service-time-ms 1 --control 25100 > /tmp/surv-backend.log 2>&1 &
b=$!
sleep 3
(cd load-tests/shedding && exec dotnet /work/main/src/Gateway/bin/Release/net10.0/Gateway.dll --urls http://127.0.0.1:28080 --Gateway:Admin:Urls=http://127.0.0.1:29901) > /tmp/surv-gw.log 2>&1 &
g=$!
for i in $(seq 1 30); do curl -fs localhost:28080/api/ready >/dev/null && break; sleep 1; done
wrk -t1 -c4 -d5s http://127.0.0.1:28080/api/state > /dev/null
~/.dotnet/tools/dotnet-gcdump collect -p $g -o /tmp/gw-base.gcdump > /dev/null 2>&1
python3 /tmp/conns.py 5000 28080 60 & p=$!
sleep 20
~/.dotnet/tools/dotnet-gcdump collect -p $g -o /tmp/gw-5000.gcdump > /dev/null 2>&1
kill $p $g; kill $b
