#!/usr/bin/env bash
# c=32 then c=256 on one gateway process, as bench.sh --interleave runs them: does admission queue at 256?
# Usage (from the repository root, under the machine lock): load-tests/reports/ab-20261206T1307Z-cost7/shedprobe.sh
#   none|full BUILD_DIR   (BUILD_DIR holds a built Gateway.dll; set Gateway__Shedding__Enabled=false to turn it off)
# Prints each 3 s window's CPU µs per request and the admission metrics scraped before and after it.
set -euo pipefail
root="$(pwd)"
build="$(cd "${2:?BUILD_DIR}" && pwd)"
. load-tests/lib.sh
. load-tests/bench-configs.sh
work="$(mktemp -d)"; backend_port=$(free_port); proxy_port=$(free_port); admin_port=$(free_port); pids=()
trap stop_and_clean EXIT INT TERM
start_nginx_backend "$backend_port"
dir="$work/gw"; mkdir -p "$dir"
gateway_config "${1:-none}" > "$dir/appsettings.json"
(cd "$dir" && exec dotnet "$build/Gateway.dll" --urls "http://127.0.0.1:$proxy_port" "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port" >"$dir/out.log" 2>&1) &
pid=$!; pids+=($pid)
wait_for "http://127.0.0.1:$proxy_port/bench" "$dir"
scrape() { curl -s "http://127.0.0.1:$admin_port/metrics" | grep -E '^gateway_shedding_(time_in_queue_seconds_count|limit|rejections)' | sed 's/^/    /' || true; }
wrk -t2 -c64 -d10s "http://127.0.0.1:$proxy_port/bench" >/dev/null
for c in 32 256 256 32 256; do
  echo "== c=$c"; scrape
  start=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c$c -d3s "http://127.0.0.1:$proxy_port/bench")
  end=$(cpu_ticks "$pid")
  requests=$(echo "$out" | grep -o '[0-9]* requests' | cut -d' ' -f1)
  echo "  $requests requests, $(python3 -c "print(round(($end - $start) * 1e4 / $requests, 1))") µs CPU per request"
  scrape
done
kill "$pid"
