#!/usr/bin/env python3
"""The machine's speed right now: milliseconds of CPU time a fixed piece of single-threaded work takes (issue 16).

On this VM the same work takes about 30 ms or about 47 ms, in episodes of seconds, with nothing else running (the
host, not the guest: both vCPUs, pinned or not, idle or not). A proxy's CPU per request moves with it, so the load
scripts print this beside each measured window to tell a slow window from a dear build.

Usage: load-tests/cpu-speed.py [SECONDS=0.5]   prints the median of the probes run over SECONDS (at least 3)
       load-tests/cpu-speed.py --trace SECONDS  prints every probe, then min, median and max
"""
import sys
import time


def probe():
    start = time.process_time()
    total = 0
    table = {}
    for i in range(300000):
        total += i * i % 7
        table[i & 4095] = total
    return (time.process_time() - start) * 1000


def main(argv):
    trace = len(argv) > 1 and argv[1] == "--trace"
    seconds = float(argv[2] if trace else (argv[1] if len(argv) > 1 else 0.5))
    results = []
    end = time.monotonic() + seconds
    while len(results) < 3 or time.monotonic() < end:
        results.append(probe())
        if trace:
            time.sleep(0.2)
    ordered = sorted(results)
    median = ordered[len(ordered) // 2]
    if trace:
        print(" ".join(f"{r:.0f}" for r in results))
        print(f"min {ordered[0]:.0f} median {median:.0f} max {ordered[-1]:.0f} ms")
    else:
        print(f"{median:.0f}")


if __name__ == "__main__":
    main(sys.argv)
