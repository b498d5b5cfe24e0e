#!/usr/bin/env python3
"""The fleet pacing proof's figures, shared against local pacing (load-tests/fleet/run.sh calls this).

usage: summarise.py OUT_DIR COMMAND
OUT_DIR holds shared/report.json and local/report.json (the load tester's) and each gateway's /metrics after its storm.
The backend's arrival rate is the storm's goodput per second: what the three gateways let through to it.
"""
import glob
import json
import re
import statistics
import sys


def run_of(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["runs"][0]


def pacing_trips(folder):
    total = 0
    for path in glob.glob(f"{folder}/metrics-*.txt"):
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r'^gateway_ratelimit_redis_round_trips_total\{(.*)\} (\d+)', line)
                if m and 'operation="pacing"' in m.group(1):
                    total += int(m.group(2))
    return total


def refusals_per_gateway(folder):
    """Each gateway's shedding refusals (g1/g2/g3): with uneven balancer weights, how unevenly the storm fell."""
    counts = []
    for i in (1, 2, 3):
        total = 0
        try:
            with open(f"{folder}/metrics-{i}.txt", encoding="utf-8") as f:
                for line in f:
                    m = re.match(r'^gateway_shedding_rejections_total\{.*\} (\d+)', line)
                    if m:
                        total += int(m.group(1))
        except FileNotFoundError:
            counts.append("-")
            continue
        counts.append(f"{total:,}")
    return " / ".join(counts)


def retry_after_per_gateway(folder, heartbeats):
    """Each gateway's Retry-After values (gateway_shedding_retry_after_seconds) for the heartbeats (sheddable) or the
    sessions' bootstrap calls (critical and default; only they decide when a session is served): mean and the share
    at 10 s or more (the load tester's clients wait at most --retry-max, 10 s by default)."""
    cells = []
    for i in (1, 2, 3):
        count = total = 0
        at_most_9 = 0
        try:
            with open(f"{folder}/metrics-{i}.txt", encoding="utf-8") as f:
                for line in f:
                    m = re.match(r'^gateway_shedding_retry_after_seconds_(count|sum|bucket)\{(.*)\} ([0-9.e+]+)', line)
                    if not m or ('gateway_priority="sheddable"' in m.group(2)) != heartbeats:
                        continue
                    value = float(m.group(3))
                    if m.group(1) == "count":
                        count += value
                    elif m.group(1) == "sum":
                        total += value
                    elif 'le="9"' in m.group(2):
                        at_most_9 += value
        except FileNotFoundError:
            cells.append("-")
            continue
        cells.append(f"{total / count:.1f} s, {(count - at_most_9) / count:.0%} >= 10 s" if count else "none")
    return " / ".join(cells)


def joined(folder):
    try:
        with open(f"{folder}/joined.txt", encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def main():
    out, command = sys.argv[1], sys.argv[2]
    rows = []
    for name in ("shared", "local"):
        run = run_of(f"{out}/{name}/report.json")
        arrivals = [s["goodput"] for s in run["timeline"]]
        busy = [a for a in arrivals if a > 0]
        rows.append((
            name,
            run["sessions"].get("fullyServedSeconds") or "not all",
            run["durationSeconds"],
            f'{run["sessions"]["bootstrapped"]:,} of {run["sessions"]["planned"]:,}',
            max(arrivals) if arrivals else 0,
            f"{statistics.mean(busy):.0f}" if busy else "-",
            f"{statistics.pstdev(busy) / statistics.mean(busy):.2f}" if len(busy) > 1 else "-",
            sum(s["rejections"] for s in run["timeline"]),
            pacing_trips(f"{out}/{name}"),
            refusals_per_gateway(f"{out}/{name}"),
            retry_after_per_gateway(f"{out}/{name}", heartbeats=False),
            retry_after_per_gateway(f"{out}/{name}", heartbeats=True),
            " ".join(str(a) for a in arrivals[:40]),
        ))

    print(f"# Fleet pacing: three gateways behind HAProxy, shared against local Retry-After pacing\n")
    print(f"`{command}`\n")
    print("| pacing | every session served after (s) | every call done (heartbeats too) after (s) | sessions bootstrapped | peak arrivals/s at the backend | mean arrivals/s (busy seconds) | arrivals/s coefficient of variation | refusals | pacing round trips | shedding refusals g1 / g2 / g3 | bootstrap Retry-After g1 / g2 / g3: mean, share >= 10 s | heartbeat Retry-After g1 / g2 / g3 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r[:12]) + " |")
    shared = next(r for r in rows if r[0] == "shared")
    if shared[8] == 0:
        print("\n**Shared pacing made no round trip to Redis: both runs paced locally, so this compares nothing.**")
    for name in ("shared", "local"):
        if (note := joined(f"{out}/{name}")) is not None:
            print(f"\n{name}: the third gateway {note}.")
    print("\nArrivals at the backend per second (first 40 s):\n")
    for r in rows:
        print(f"- {r[0]}: {r[12]}")


main()
