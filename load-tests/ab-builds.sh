#!/usr/bin/env bash
# Two builds of the gateway side by side (issue 16): CPU µs per request and p99 of each under wrk on keep-alive
# connections, in front of bench.sh's nginx backend with one of bench.sh's gateway configs, alternated round by round
# and the order swapped every round, so a slow machine minute or a process start's luck falls on both.
#
# Usage: load-tests/ab-builds.sh BEFORE_DIR AFTER_DIR [--config full|none] [--rounds 4] [--duration 8] [--warmup 8]
#                                [--connections 32] [--warmup-connections N] [--close]
# --warmup-connections warms each process at N connections instead of --connections: bench.sh's interleaved runs
# measure 256 connections right after 32 on the same process, so an adaptive limit learned at the lower count is
# what the 256-connection window meets (issue 16, 2026-12-06: admission queued nearly every request there).
# --close sends every request with `Connection: close` (bench.sh's new-connection mode), so each request comes on a
# fresh connection and the figures are CPU µs per new connection.
# BEFORE_DIR and AFTER_DIR hold a built Gateway.dll each (copy src/Gateway/bin/Release/net10.0 after building each
# commit). An ab.env file beside a Gateway.dll (shell assignments, KEY=VALUE, one a line) is sourced and exported into
# that side's environment, so one build can be compared with itself under a runtime setting. A side may instead hold
# plain YARP (load-tests/PlainYarp's bin, PlainYarp.dll; with an empty file named slim beside it, the slim host that
# bench.sh calls yarp-slim), so the gateway can be held against the baseline with this script's own alternation.
# An ab.config file beside a build names that side's config instead of --config (one of bench-configs.sh's, e.g. norl),
# so one build can be compared with itself with one feature off.
# Prints one line per run and the medians. Everything listens on 127.0.0.1; every run is bounded.
# Each run line also gives the machine's speed just before and just after its window (load-tests/cpu-speed.py: ms for
# a fixed piece of work, about 30 on this VM when fast and about 47 when slow), since the host's speed moves a run's
# CPU per request by more than most changes do.
# For a gateway side each run line ends with its cluster's admission (load shedding) as /metrics tells it, scraped
# outside the window, after the warm-up and after the window: the adaptive limit then (`limit before→after`), the
# requests that found no free slot and waited in the queue during the window (`queued N (P%)`, the time_in_queue
# histogram's count, with the mean wait), the refusals, and halfway through the window the in-flight and queued
# gauges (`mid in-flight/queued`). Round 7 (2026-12-06) found admission queueing most requests at 256 connections;
# this says, round by round, whether a dear round is a queued one. Every run line ends with `intruders`: processes
# above 5% of a core for half a second at the start of the round that are not the run's (load-tests/intruders.py),
# `-` for none.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,20p "$0" >&2; exit 2; }
before="$(cd "$1" && pwd)"; after="$(cd "$2" && pwd)"; shift 2
config=full; rounds=4; duration=8; warmup=8; connections=32; warmup_connections=""; close=(); unit=request
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --warmup-connections) warmup_connections="$2"; shift 2 ;;
    --close) close=(-H "Connection: close"); unit="new connection"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
root="$(pwd)"
. load-tests/lib.sh
. load-tests/bench-configs.sh
work="$(mktemp -d)"; backend_port=$(free_port); proxy_port=$(free_port); admin_port=$(free_port); pids=()
trap stop_and_clean EXIT INT TERM
start_nginx_backend "$backend_port"
# scrape_admission: "limit queued wait_seconds_sum rejections in_flight queue_length" of the gateway's clusters from
# its /metrics (summed over clusters and priorities; `- - - - - -` when there is no such series: plain YARP, shedding off).
scrape_admission() {
  { curl -s -m 2 "http://127.0.0.1:$admin_port/metrics" || true; } | awk '
    /^gateway_shedding_limit[{ ]/ { limit += $NF; seen = 1 }
    /^gateway_shedding_time_in_queue_seconds_count[{ ]/ { queued += $NF; seen = 1 }
    /^gateway_shedding_time_in_queue_seconds_sum[{ ]/ { wait += $NF }
    /^gateway_shedding_rejections_total[{ ]/ { rejected += $NF }
    /^gateway_shedding_in_flight[{ ]/ { in_flight += $NF }
    /^gateway_shedding_queue_length[{ ]/ { queue += $NF }
    END { if (seen) printf "%d %d %.6f %d %d %d\n", limit, queued, wait, rejected, in_flight, queue; else print "- - - - - -" }'
}
: > "$work/results"
for side in "$before" "$after"; do
  [ ! -f "$side/ab.env" ] || echo "$side/ab.env: $(tr '\n' ' ' < "$side/ab.env")"
done
for round in $(seq "$rounds"); do
  order="before after"; [ $((round % 2)) -eq 0 ] && order="after before"
  for build in $order; do
    dir="$work/$build"; mkdir -p "$dir"
    build_dir="$before"; [ "$build" = after ] && build_dir="$after"
    intruders=$(python3 load-tests/intruders.py 0.5 5 $$ "${pids[@]}")
    side_config="$config"; [ ! -f "$build_dir/ab.config" ] || side_config="$(cat "$build_dir/ab.config")"
    gateway_config "$side_config" > "$dir/appsettings.json"
    dll="$build_dir/Gateway.dll"
    # ab.env beside a build (KEY=VALUE assignments) sets that side's environment: one build against itself with a
    # runtime setting is the same comparison as two builds.
    args=(--urls "http://127.0.0.1:$proxy_port" "--Gateway:Admin:Urls=http://127.0.0.1:$admin_port")
    if [ -f "$build_dir/PlainYarp.dll" ]; then
      dll="$build_dir/PlainYarp.dll"
      args=(--urls "http://127.0.0.1:$proxy_port" --destination "$backend_url")
      [ ! -f "$build_dir/slim" ] || args=(--slim "${args[@]}")
    fi
    (cd "$dir" && { [ ! -f "$build_dir/ab.env" ] || { set -a; . "$build_dir/ab.env"; set +a; }; } && exec dotnet "$dll" "${args[@]}" >"$dir/out.log" 2>&1) &
    pid=$!
    wait_for "http://127.0.0.1:$proxy_port/bench" "$dir"
    wrk -t2 -c"${warmup_connections:-$connections}" -d"${warmup}s" "${close[@]}" "http://127.0.0.1:$proxy_port/bench" >/dev/null
    admission_before=$(scrape_admission)
    speed_before=$(python3 load-tests/cpu-speed.py 0.3)
    start=$(cpu_ticks "$pid")
    # Halfway through the window, the gauges (one scrape, a few ms of the gateway's CPU against seconds).
    { sleep "$(python3 -c "print($duration / 2)")"; scrape_admission > "$dir/admission-mid"; } &
    mid=$!
    wrk -t2 -c"$connections" -d"${duration}s" --latency "${close[@]}" "http://127.0.0.1:$proxy_port/bench" > "$dir/wrk.txt"
    end=$(cpu_ticks "$pid")
    wait "$mid" 2>/dev/null || true
    admission_after=$(scrape_admission)
    speed_after=$(python3 load-tests/cpu-speed.py 0.3)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    requests=$(grep -o '[0-9]* requests' "$dir/wrk.txt" | cut -d' ' -f1)
    p99=$(awk '$1 == "99%" {print $2}' "$dir/wrk.txt")
    us=$(python3 -c "print(round(($end - $start) * 1e4 / $requests, 1))")
    admission=$(python3 - "$requests" $admission_before $admission_after $(cat "$dir/admission-mid") <<'PY'
import sys
requests = int(sys.argv[1])
before, after, mid = sys.argv[2:8], sys.argv[8:14], sys.argv[14:20]
if "-" in before or "-" in after:
    print("")
else:
    queued = int(after[1]) - int(before[1])
    wait = (float(after[2]) - float(before[2])) / queued * 1000 if queued else 0
    share = queued * 100 / requests if requests else 0
    print(f", limit {before[0]}→{after[0]}, queued {queued} ({share:.0f}%, mean wait {wait:.2f} ms), "
          f"refused {int(after[3]) - int(before[3])}, mid in-flight/queued {mid[4]}/{mid[5]}")
PY
)
    echo "round $round $build: $requests requests, $us µs CPU per $unit, p99 $p99, machine $speed_before/$speed_after ms$admission, intruders $intruders"
    echo "$build $us" >> "$work/results"
  done
done
python3 - "$work/results" "$unit" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    build, us = line.split()
    runs.setdefault(build, []).append(float(us))
b, a = statistics.median(runs["before"]), statistics.median(runs["after"])
print(f"median µs CPU per {sys.argv[2]}: before {b:.1f}, after {a:.1f} (after ÷ before {a / b:.2f})")
PY
