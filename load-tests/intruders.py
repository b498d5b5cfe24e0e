#!/usr/bin/env python3
"""Processes that take CPU now and are not part of the run (issue 16): on this 2-core machine shared by sessions, a
neighbour's build or storm moves a window's CPU per request as much as a change does, so the A/B scripts print this
at the start of each round.

Usage: load-tests/intruders.py [SECONDS=0.5] [THRESHOLD_PERCENT=5] [PID ...]
Prints `name:percent` for every process above THRESHOLD_PERCENT of one core over SECONDS (from /proc, since
`ps -eo pcpu` is a lifetime average that a process just started or long idle misreads), joined by commas, or `-` for
none. The PIDs given, their children and this script are left out (the run's own backend, for one).
"""
import os
import sys
import time


def ticks():
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The name is in parentheses and may hold spaces; the fields after it are space-separated.
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        result[int(entry)] = (name, int(fields[1]), int(fields[11]) + int(fields[12]))
    return result


def main(argv):
    seconds = float(argv[1]) if len(argv) > 1 else 0.5
    threshold = float(argv[2]) if len(argv) > 2 else 5.0
    excluded = {int(p) for p in argv[3:]} | {os.getpid(), os.getppid()}
    hz = os.sysconf("SC_CLK_TCK")
    before = ticks()
    time.sleep(seconds)
    after = ticks()
    found = []
    for pid, (name, ppid, total) in after.items():
        if pid in excluded or ppid in excluded or pid not in before:
            continue
        percent = (total - before[pid][2]) * 100 / hz / seconds
        if percent > threshold:
            found.append((percent, name))
    found.sort(reverse=True)
    print(",".join(f"{name.replace(' ', '_')}:{percent:.0f}%" for percent, name in found) or "-")


if __name__ == "__main__":
    main(sys.argv)
