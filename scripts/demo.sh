#!/usr/bin/env bash
# Starts the demo: four sample-backend instances in two regions (eu-west: 5101, 5102; us-east: 5201, 5202; fault
# control on 5100) and the gateway in front of them (proxy on 8080, admin on 9901), reading ./appsettings.json.
# Extra arguments go to the gateway (e.g. --config overlay.json). Ctrl+C stops both.
# Each instance serves 32 requests at a time x 20 ms (1,600 calls/s, 6,400 for all four): a capacity a reconnect
# storm on one machine can exceed, so the demo shows shedding and spill-over rather than an idle backend.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build Gateway.sln -c Release --nologo -v quiet -clp:ErrorsOnly

dotnet src/SampleBackend/bin/Release/net10.0/SampleBackend.dll \
  --instances eu-1@eu-west:5101,eu-2@eu-west:5102,us-1@us-east:5201,us-2@us-east:5202 \
  --capacity 32 --service-time-ms 20 --control 5100 &
backend=$!
trap 'kill "$backend" 2>/dev/null || true' EXIT INT TERM

dotnet src/Gateway/bin/Release/net10.0/Gateway.dll "$@"
