# Helpers shared by the load-test scripts. Source it from the repository root: . load-tests/lib.sh

# wait_for URL [LOGS_DIR]: returns once URL answers with a success status, trying for about 30 s (each try bounded
# to 1 s). Otherwise prints the URL and every *.log in LOGS_DIR to stderr and exits 1 (the caller's EXIT trap runs).
wait_for() {
  # Arguments after the first two go to curl (e.g. -H "Authorization: Bearer ..." for a route that requires a token).
  local url="$1" logs="${2:-}" deadline=$((SECONDS + 30))
  shift
  [ $# -gt 0 ] && shift
  while [ "$SECONDS" -lt "$deadline" ]; do
    # -k: the TLS benchmarks use a self-signed certificate.
    curl -kfs -o /dev/null -m 1 "$@" "$url" && return 0
    sleep 0.2
  done
  echo "$url did not answer within 30 s" >&2
  if [ -n "$logs" ]; then
    echo "logs ($logs):" >&2
    cat "$logs"/*.log >&2 || true
  fi
  exit 1
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# stop_and_clean: kills every process in the caller's pids array, waits for them and removes $work. Meant for
# `pids=(); trap stop_and_clean EXIT INT TERM`.
stop_and_clean() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# cpu_ticks PID: CPU time (user+system) of a process and its threads, in clock ticks; nginx is counted with its workers.
cpu_ticks() {
  local pid="$1" total=0 p
  [ -n "$pid" ] || { echo 0; return; }
  for p in $pid $(pgrep -P "$pid" 2>/dev/null); do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
