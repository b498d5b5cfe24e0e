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

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now and that this script has not been given before:
# the kernel may hand the same free port to two calls in a row, and a proxy and its admin listener once got one port
# between them (the gateway then refused to start). Ports given out are kept in a file named for the script's process.
free_port() {
  python3 - "${TMPDIR:-/tmp}/load-tests-ports.$$" <<'PY'
import socket, sys
path = sys.argv[1]
try:
    with open(path) as f:
        given = {line.strip() for line in f}
except FileNotFoundError:
    given = set()
for _ in range(100):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = str(s.getsockname()[1])
    s.close()
    if port not in given:
        break
with open(path, "a") as f:
    f.write(port + "\n")
print(port)
PY
}

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
