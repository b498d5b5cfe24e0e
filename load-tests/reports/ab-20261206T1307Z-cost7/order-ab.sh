#!/usr/bin/env bash
# bench.sh --interleave's order on one process, for several proxies in turn: warm-up at 64 connections for 10 s, then
# 3 s windows at 32, 256, 32, 256 connections; CPU µs per request of each window, and how many requests admission
# queued in each (gateway only). Rounds rotate the order of the proxies.
# Usage (repository root, under the machine lock): .../order-ab.sh ROUNDS CONFIG NAME=DIR[:ENV=VALUE] ...
#   DIR holds Gateway.dll, or PlainYarp.dll (with a file named slim for the slim host).
set -euo pipefail
root="$(pwd)"
rounds="$1"; config="$2"; shift 2
. load-tests/lib.sh
. load-tests/bench-configs.sh
work="$(mktemp -d)"; backend_port=$(free_port); pids=()
trap stop_and_clean EXIT INT TERM
start_nginx_backend "$backend_port"
variants=("$@")
queued() { { curl -s "http://127.0.0.1:$admin_port/metrics" 2>/dev/null || true; } | awk '/^gateway_shedding_time_in_queue_seconds_count/ {s += $NF} END {print s + 0}'; }
for round in $(seq "$rounds"); do
  n=${#variants[@]}; turn=$(( (round - 1) % n ))
  for v in "${variants[@]:turn}" "${variants[@]:0:turn}"; do
    name="${v%%=*}"; rest="${v#*=}"; build="${rest%%:*}"; env=""; [ "$rest" = "$build" ] || env="${rest#*:}"
    proxy_port=$(free_port); admin_port=$(free_port); dir="$work/$name-$round"; mkdir -p "$dir"
    gateway_config "$config" > "$dir/appsettings.json"
    if [ -f "$build/PlainYarp.dll" ]; then
      args=("$build/PlainYarp.dll" --urls "http://127.0.0.1:$proxy_port" --destination "$backend_url")
      [ ! -f "$build/slim" ] || args=("$build/PlainYarp.dll" --slim --urls "http://127.0.0.1:$proxy_port" --destination "$backend_url")
    else
      args=("$build/Gateway.dll" --urls "http://127.0.0.1:$proxy_port" "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port")
    fi
    (cd "$dir" && { [ -z "$env" ] || export "$env"; } && exec dotnet "${args[@]}" >"$dir/out.log" 2>&1) &
    pid=$!; pids+=("$pid")
    wait_for "http://127.0.0.1:$proxy_port/bench" "$dir"
    wrk -t2 -c64 -d10s "http://127.0.0.1:$proxy_port/bench" >/dev/null
    line="round $round $name:"
    for c in 32 256 32 256; do
      q0=$(queued); start=$(cpu_ticks "$pid")
      requests=$(wrk -t2 -c$c -d3s "http://127.0.0.1:$proxy_port/bench" | grep -o '[0-9]* requests' | cut -d' ' -f1)
      end=$(cpu_ticks "$pid"); q1=$(queued)
      line+=" c=$c $(python3 -c "print(round(($end - $start) * 1e4 / $requests, 1))") µs ($(( q1 - q0 )) of $requests queued);"
    done
    echo "$line machine $(python3 load-tests/cpu-speed.py 0.3) ms"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
