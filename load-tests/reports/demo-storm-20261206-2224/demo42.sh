#!/bin/bash
# demo42.sh DIR "LABEL EXTRA..." ...: the README's demo storm through the gateway, once per variant, in one demo
# DEMO_WAIT (seconds, default 60): how long to wait for the demo to answer; a fresh worktree's build needs more (240 on 2026-12-07)
cd "$1"; shift
setsid bash scripts/demo.sh > /tmp/demo42.log 2>&1 &
for i in $(seq 1 "${DEMO_WAIT:-60}"); do curl -fs localhost:8080/api/hello >/dev/null 2>&1 && break; sleep 1; done
storm="dotnet ${LT:-load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll} reconnect-storm --clients 5000 --window 2s \
  --policy immediate --heartbeat-path /sync/heartbeat --control http://127.0.0.1:5100"
for v in "$@"; do
  set -- $v
  label=$1; shift
  echo "== $label $*"; $storm --target http://127.0.0.1:8080 --out /tmp/storm42-$label --quiet "$@" | grep -E 'Sessions:|Rejections'
  sleep 5
done
pkill -f 'Gateway.dll' ; pkill -f 'SampleBackend.dll --instances eu-1@eu-west:5101'
