#!/usr/bin/env python3
# Each thread's CPU in the storm's gateway (port 28080) and load tester, from /proc once a second, for up to 300 s:
# one line a second with the busiest threads and their CPU ticks (1/100 s) over it. Start it beside
# load-tests/shedding/run.sh and redirect it to a file (e.g. the report's gateway/thread-cpu.txt).
import os, time, subprocess, sys
end = time.time() + 300
prev = {}
def pid_of(pat):
    r = subprocess.run(["pgrep", "-f", pat], capture_output=True, text=True).stdout.split()
    return r[0] if r else None
while time.time() < end:
    g = pid_of("Gateway.dll --urls http://127.0.0.1:28080")
    if not g:
        time.sleep(0.3); continue
    rows = []
    for label, pid in (("G", g), ("L", pid_of("LoadTester.dll reconnect-storm"))):
        if not pid: continue
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    comm = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
                    f = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
                    t = int(f[11]) + int(f[12])
                except OSError:
                    continue
                key = (pid, tid)
                d = t - prev.get(key, t)
                prev[key] = t
                if d >= 5: rows.append(f"{label}{pid}/{tid} {comm} {d}")
        except OSError:
            pass
    print(time.strftime("%T"), " | ".join(sorted(rows, key=lambda r: -int(r.split()[-1]))[:12]), flush=True)
    time.sleep(1)
