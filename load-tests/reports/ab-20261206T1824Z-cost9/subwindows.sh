#!/usr/bin/env bash
# Is the dear mode a process's or the host's moment's? Processes of two sides alternated (A B A B ...), each warmed
# 10 s at 256 connections and then measured in WINDOWS back-to-back 3 s windows at 256 connections, with the machine
# probe after each (issue 16, cost9). A side is a dir as ab-builds.sh takes it (PlainYarp with `slim`, or a Gateway
# build with ab.config). Usage (repository root, under the machine lock): subwindows.sh A_DIR B_DIR PAIRS WINDOWS
set -euo pipefail
root="$(pwd)"
a="$(cd "$1" && pwd)"; b="$(cd "$2" && pwd)"; pairs="$3"; windows="$4"
. load-tests/lib.sh
. load-tests/bench-configs.sh
work="$(mktemp -d)"; backend_port=$(free_port); proxy_port=$(free_port); admin_port=$(free_port); pids=()
trap stop_and_clean EXIT INT TERM
start_nginx_backend "$backend_port"
queued() { { curl -s -m 2 "http://127.0.0.1:$admin_port/metrics" || true; } | awk '/^gateway_shedding_time_in_queue_seconds_count[{ ]/ {q+=$NF} END {print q+0}'; }
for pair in $(seq "$pairs"); do
  for side in A B; do
    build_dir="$a"; [ "$side" = B ] && build_dir="$b"
    dir="$work/$pair$side"; mkdir -p "$dir"
    args=(--urls "http://127.0.0.1:$proxy_port" "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port"); dll="$build_dir/Gateway.dll"
    if [ -f "$build_dir/PlainYarp.dll" ]; then
      dll="$build_dir/PlainYarp.dll"; args=(--urls "http://127.0.0.1:$proxy_port" --destination "$backend_url")
      [ ! -f "$build_dir/slim" ] || args=(--slim "${args[@]}")
    else
      gateway_config "$(cat "$build_dir/ab.config")" > "$dir/appsettings.json"
    fi
    (cd "$dir" && exec dotnet "$dll" "${args[@]}" >"$dir/out.log" 2>&1) &
    pid=$!
    wait_for "http://127.0.0.1:$proxy_port/bench" "$dir"
    wrk -t2 -c256 -d10s "http://127.0.0.1:$proxy_port/bench" >/dev/null
    line="process $pair$side:"
    for w in $(seq "$windows"); do
      q0=$(queued); start=$(cpu_ticks "$pid")
      requests=$(wrk -t2 -c256 -d3s "http://127.0.0.1:$proxy_port/bench" | grep -o '[0-9]* requests' | cut -d' ' -f1)
      end=$(cpu_ticks "$pid"); q1=$(queued)
      speed=$(python3 load-tests/cpu-speed.py 0.2)
      line="$line $(python3 -c "print(round(($end - $start) * 1e4 / $requests, 1))")/${speed}ms/q$(( (q1 - q0) * 100 / requests ))%"
    done
    echo "$(date -u +%T) $line"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
