#!/usr/bin/env bash
# One gateway-full process at a time at 256 connections (10 s warm-up, 6 s window), N times, with the temporary
# GW_LIMIT_TRACE build: each limit update (window latency, raw, lag, baseline, max in flight, limit) into trace-N.txt.
# Usage (repository root, under the machine lock): traceprobe.sh BUILD_DIR OUT_DIR N
set -euo pipefail
root="$(pwd)"
build="$(cd "$1" && pwd)"; out="$2"; n="$3"
. load-tests/lib.sh
. load-tests/bench-configs.sh
work="$(mktemp -d)"; backend_port=$(free_port); proxy_port=$(free_port); admin_port=$(free_port); pids=()
trap stop_and_clean EXIT INT TERM
start_nginx_backend "$backend_port"
scrape() { curl -s "http://127.0.0.1:$admin_port/metrics" | awk '/^gateway_shedding_limit[{ ]/ {l=$NF} /^gateway_shedding_time_in_queue_seconds_count[{ ]/ {q+=$NF} END {print l+0, q+0}'; }
for i in $(seq "$n"); do
  dir="$work/gw$i"; mkdir -p "$dir"
  gateway_config full > "$dir/appsettings.json"
  (cd "$dir" && GW_LIMIT_TRACE="$out/trace-$i.txt" exec dotnet "$build/Gateway.dll" --urls "http://127.0.0.1:$proxy_port" "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port" >"$dir/out.log" 2>&1) &
  pid=$!
  wait_for "http://127.0.0.1:$proxy_port/bench" "$dir"
  echo "$(date -u +%T) process $i started" >> "$out/trace-$i.txt"
  wrk -t2 -c256 -d10s "http://127.0.0.1:$proxy_port/bench" >/dev/null
  echo "=== window" >> "$out/trace-$i.txt"
  read l0 q0 < <(scrape)
  start=$(cpu_ticks "$pid")
  requests=$(wrk -t2 -c256 -d6s "http://127.0.0.1:$proxy_port/bench" | grep -o '[0-9]* requests' | cut -d' ' -f1)
  end=$(cpu_ticks "$pid")
  read l1 q1 < <(scrape)
  echo "process $i: $requests requests, $(python3 -c "print(round(($end - $start) * 1e4 / $requests, 1))") µs CPU per request, limit $l0→$l1, queued $((q1 - q0)) ($(( (q1 - q0) * 100 / requests ))%)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
