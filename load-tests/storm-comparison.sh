#!/usr/bin/env bash
# The reconnect-storm comparison: the same storm straight at one sample-backend instance, then through the gateway.
# Uses its own ports so it can run beside the demo: sample backends 15101-15102 (eu-west), 15201-15202 (us-east),
# control 15100; gateway proxy 18080, admin 19901 (the demo topology of ./appsettings.json, moved by
# load-tests/gateway-overlay.json). Extra arguments go to both load-test runs (e.g. --clients 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
. load-tests/lib.sh

dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly
stamp="$(date -u +%Y%m%d-%H%M%S)"
logs="$(mktemp -d)"

dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll \
  --instances eu-1@eu-west:15101,eu-2@eu-west:15102,us-1@us-east:15201,us-2@us-east:15202 \
  --capacity 64 --service-time-ms 5 --control 15100 >"$logs/backend.log" 2>&1 &
backend=$!
dotnet src/Gateway/bin/Release/net10.0/Gateway.dll --config load-tests/gateway-overlay.json \
  --urls http://127.0.0.1:18080 --Gateway:Admin:Urls=http://127.0.0.1:19901 >"$logs/gateway.log" 2>&1 &
gateway=$!
# SIGKILL for the sample backend: it does not stop on SIGTERM or SIGINT unless they come from a terminal.
trap 'kill "$gateway" 2>/dev/null || true; kill -KILL "$backend" 2>/dev/null || true; echo "logs in $logs"' EXIT INT TERM

wait_for http://127.0.0.1:15100/instances "$logs"
wait_for http://127.0.0.1:18080/api/ready "$logs"

dotnet load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll reconnect-storm --target http://127.0.0.1:15101 \
  --control http://127.0.0.1:15100 --out "load-tests/reports/storm-direct-$stamp" "$@"
sleep 10 # let the backend drain its queue and sockets leave TIME_WAIT before the second storm
dotnet load-tests/LoadTester/bin/Release/net10.0/LoadTester.dll reconnect-storm --target http://127.0.0.1:18080 \
  --control http://127.0.0.1:15100 --out "load-tests/reports/storm-gateway-$stamp" "$@"
