#!/usr/bin/env bash
# The issue's storm proof, scaled to what this machine takes: one sample-backend instance (capacity 200, 20 ms per
# request, so about 10,000/s at best), a reconnect storm straight at it, then the same storm through the gateway with
# load shedding (this folder's appsettings.json). Ports apart from the demo and storm-comparison.sh: backend 25101,
# control 25100, gateway 28080, admin 29901. Arguments go to both load-test runs (e.g. --clients 5000 --policy immediate).
set -euo pipefail
cd "$(dirname "$0")/../.."

dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly
stamp="$(date -u +%Y%m%d-%H%M%S)"
logs="$(mktemp -d)"

dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll --instances eu-1@eu-west:25101 \
  --capacity 200 --service-time-ms 20 --control 25100 >"$logs/backend.log" 2>&1 &
backend=$!
(cd load-tests/shedding && exec dotnet ../../src/Gateway/bin/Release/net10.0/Gateway.dll \
  --urls http://127.0.0.1:28080 --Gateway:Admin:Urls=http://127.0.0.1:29901) >"$logs/gateway.log" 2>&1 &
gateway=$!
# SIGKILL for the sample backend: it does not stop on SIGTERM or SIGINT unless they come from a terminal.
trap 'kill "$gateway" 2>/dev/null || true; kill -KILL "$backend" 2>/dev/null || true; echo "logs in $logs"' EXIT INT TERM

for _ in $(seq 1 150); do
  if ! kill -0 "$backend" 2>/dev/null || ! kill -0 "$gateway" 2>/dev/null; then
    echo "the sample backend or the gateway did not start (ports taken?):" >&2
    cat "$logs/backend.log" "$logs/gateway.log" >&2
    exit 1
  fi
  curl -fs -o /dev/null http://127.0.0.1:25100/instances && curl -fs -o /dev/null http://127.0.0.1:28080/api/ready && break
  sleep 0.2
done

dotnet load-tests/bin/Release/net10.0/LoadTests.dll reconnect-storm --target http://127.0.0.1:25101 \
  --control http://127.0.0.1:25100 --out "load-tests/reports/shedding-direct-$stamp" --quiet "$@"
sleep 10 # let the backend drain its queue and sockets leave TIME_WAIT before the second storm
dotnet load-tests/bin/Release/net10.0/LoadTests.dll reconnect-storm --target http://127.0.0.1:28080 \
  --control http://127.0.0.1:25100 --out "load-tests/reports/shedding-gateway-$stamp" --quiet "$@"
curl -fs http://127.0.0.1:29901/admin/clusters | head -c 400; echo
curl -fs http://127.0.0.1:29901/metrics | grep -E '^gateway_shedding' || true
