#!/usr/bin/env bash
# One gateway-full process: warm 10 s keep-alive c=64, then 3 s keep-alive c=256, 3 s new-connections c=256, 3 s keep-alive c=256, with the limit trace.
set -euo pipefail
root="$(pwd)"
build="$(cd "$1" && pwd)"; out="$2"; n="$3"; cfg="${4:-full}"
mkdir -p "$out"
. load-tests/lib.sh
. load-tests/bench-configs.sh
work="$(mktemp -d)"; backend_port=$(free_port); proxy_port=$(free_port); admin_port=$(free_port); pids=()
trap stop_and_clean EXIT INT TERM
start_nginx_backend "$backend_port"
for i in $(seq "$n"); do
  dir="$work/gw$i"; mkdir -p "$dir"
  gateway_config "$cfg" > "$dir/appsettings.json"
  (cd "$dir" && GW_LIMIT_TRACE="$out/trace-$i.txt" exec dotnet "$build/Gateway.dll" --urls "http://127.0.0.1:$proxy_port" "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port" >"$dir/out.log" 2>&1) &
  pid=$!
  wait_for "http://127.0.0.1:$proxy_port/bench" "$dir"
  wrk -t2 -c64 -d10s "http://127.0.0.1:$proxy_port/bench" >/dev/null
  for phase in ka256 nc256 ka256b nc32 ka256c; do
    echo "=== $phase" >> "$out/trace-$i.txt"
    start=$(cpu_ticks "$pid")
    case $phase in
      nc*) c=${phase#nc}; requests=$(wrk -t2 -c$c -d3s -H "Connection: close" "http://127.0.0.1:$proxy_port/bench" | grep -o '[0-9]* requests' | cut -d' ' -f1) ;;
      *) requests=$(wrk -t2 -c256 -d3s "http://127.0.0.1:$proxy_port/bench" | grep -o '[0-9]* requests' | cut -d' ' -f1) ;;
    esac
    end=$(cpu_ticks "$pid")
    echo "process $i $phase: $requests requests, $(python3 -c "print(round(($end - $start) * 1e4 / $requests, 1))") µs CPU per request" | tee -a "$out/trace-$i.txt"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
