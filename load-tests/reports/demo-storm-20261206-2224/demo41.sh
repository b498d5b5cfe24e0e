#!/bin/bash
# demo41.sh DIR: the README's demo storm through the gateway: cold, warm, and warm with the dotnet client
cd "$1"
setsid bash scripts/demo.sh > /tmp/demo41.log 2>&1 &
for i in $(seq 1 60); do curl -fs localhost:8080/api/hello >/dev/null 2>&1 && break; sleep 1; done
storm="dotnet load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll reconnect-storm --clients 5000 --window 2s \
  --policy immediate --heartbeat-path /sync/heartbeat --control http://127.0.0.1:5100"
for v in "cold raw" "warm raw" "warm dotnet" ; do
  set -- $v
  echo "== $v"; $storm --target http://127.0.0.1:8080 --out /tmp/storm41-$1-$2 --quiet --client $2 | grep -E 'Sessions:|Rejections'
  sleep 5
done
pkill -f 'Gateway.dll' ; pkill -f 'SampleBackend.dll --instances eu-1@eu-west:5101'
