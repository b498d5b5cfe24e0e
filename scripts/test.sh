#!/usr/bin/env bash
# Runs the whole test suite: unit tests (fake time, no sockets) and functional tests (real Kestrel, sample backends
# and redis-server, all on loopback; headless chromium for the operator console). Installs redis-server and chromium
# when they are missing.
# Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing; installing it from Debian's packages" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi

# The operator console's browser test drives Debian's chromium through Playwright (never Playwright's own download).
if [ ! -x /usr/bin/chromium ]; then
  echo "chromium is missing; installing it from Debian's packages" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# The benchmark script's smoke test drives nginx and HAProxy with wrk (python3 aggregates its report).
missing=()
for tool in wrk:wrk nginx:nginx-light haproxy:haproxy python3:python3 bc:bc; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

status=0
dotnet build Gateway.sln -c Release --nologo || status=$?
# One run per test project, each with its own trx: a fixed LogFileName shared by several projects would make the
# last one overwrite the others and the count below miss their tests.
if [ "$status" -eq 0 ]; then
  for project in tests/*/*Tests.csproj; do
    name="$(basename "$project" .csproj)"
    # A test that hangs aborts its project after 5 minutes (no dump) instead of holding CI until its time limit.
    dotnet test "$project" -c Release --no-build --nologo --blame-hang-timeout 5m --blame-hang-dump-type none \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
      --results-directory "$results" || status=$?
  done
fi

passed=0; failed=0; total=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  value() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$((total + $(value total)))
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
done
skipped=$((total - passed - failed))
[ "$skipped" -ge 0 ] || skipped=0

# CI keeps only the tail of this output: name each failure and the start of its message just above the count.
if [ "$failed" -gt 0 ]; then
  python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") in ("Passed", "NotExecuted"):
            continue
        message = " ".join((r.findtext(".//t:Message", "", ns) or "").split())[:600]
        print(f"FAILED {r.get('testName')} [{r.get('duration')}]: {message}")
PY
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$total" -eq 0 ]; then
  echo "no test ran" >&2
  status=1
fi
exit "$status"
