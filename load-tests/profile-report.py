#!/usr/bin/env python3
"""Turns load-tests/profile.sh's perf reports into CPU per request by component.

--run NAME ROUND REQUESTS CPU_TICKS FREQUENCY REPORT: one JSON line for one run, from `perf report --sort dso,sym
  --show-nr-samples` text: samples per component, the requests wrk completed, the proxy's CPU ticks (1/100 s).
--run ... REPORT SCRIPT: the same, plus the run's samples by step, from `perf script -F ip,sym,dso` text (see steps()).
--table RUNS.jsonl COMMAND [UNIT]: the markdown table, medians over rounds, as µs of CPU per request
  (samples / frequency / requests), with each proxy's difference to the first baseline (yarp-slim, else yarp); then
  the frames whose time differs most between a gateway and that baseline. UNIT names what wrk completed ("request",
  or "new connection" for profile.sh --close).
"""
import collections
import json
import re
import statistics
import sys

LINE = re.compile(r"\s+[\d.]+%\s+(\d+)\s+(\S.*?)\s+\[(.)\]\s+(.*)$")
# A JIT-compiled frame as the runtime's perf map names it: "<return type> [Assembly] Namespace.Type::Method(...)".
MANAGED = re.compile(r"\[([\w.]+)\] ([\w.`+<>]+)::[^(]*\(")


def component(dso, symbol):
    if dso == "[kernel.kallsyms]":
        return "kernel (sockets, scheduling, interrupts)"
    if dso == "[vdso]":
        return "vdso (clock reads)"
    if dso == "libcoreclr.so":
        return "runtime (libcoreclr: GC, type checks, thread pool)"
    if dso == "libclrjit.so":
        return "JIT compiler"
    if dso in ("libc.so.6", "ld-linux-x86-64.so.2", "libSystem.Native.so", "libstdc++.so.6.0.30", "libm.so.6"):
        return "native libraries (libc, System.Native)"
    if dso.endswith(".dll"):
        return dso[:-4]
    if dso.startswith("[JIT]"):
        if symbol.startswith("stub "):
            return "runtime stubs (virtual and generic dispatch)"
        m = MANAGED.search(symbol)
        if not m:
            return "managed, unnamed frames"
        assembly, type_name = m.group(1), m.group(2)
        if assembly == "Gateway":
            parts = type_name.split(".")
            return "Gateway." + (parts[1] if len(parts) > 2 else "(root)")
        return assembly
    return "other: " + dso


def frame(dso, symbol):
    """A frame's name without what changes between processes (JIT addresses, the optimisation tier)."""
    m = re.search(r"\[([\w.]+)\] ([^(]*)\(", symbol) if dso.startswith("[JIT]") else None
    if m:
        return f"{m.group(1)} {m.group(2)}"
    return f"{dso} {re.sub(r'0x[0-9a-f]+', '', symbol)}"


# A frame of a step: the gateway's own code, YARP's, Polly's, OpenTelemetry's or ASP.NET Core routing's (whose matching
# would otherwise be charged to the gateway step that calls it), as the perf map names it.
STEP = re.compile(r"\[(Gateway|Yarp\.ReverseProxy|Polly\.Core|OpenTelemetry[\w.]*|Microsoft\.AspNetCore\.Routing)\] ([\w.`+<>|]+)::")
# Frames that run the framework's own loops: what runs under them is the framework's even with a step further out on
# the stack (Kestrel writing the response once the app's task completed runs inside the outermost middleware's
# continuation; HttpClient's connection reads inside YARP's send).
FRAMEWORK_LOOP = re.compile(r"HttpProtocol\+<ProcessRequests>|Http1Connection::|HttpConnection\+<SendAsync>|"
                            r"HttpConnectionPool|SocketAsyncEngine|ThreadPoolWorkQueue::Dispatch")


def step_of(stack):
    """The step a sample's stack (innermost frame first) is charged to."""
    for symbol, dso in stack:
        m = STEP.search(symbol)
        if m:
            assembly, type_name = m.groups()
            # An async method's state machine is its type's; a lambda's closure is its type's.
            type_name = re.sub(r"\+<[^>]*>d__\d+.*$|\+<>c.*$", "", type_name)
            if assembly == "Gateway":
                return type_name
            return f"{assembly} {type_name.split('.')[-1]}"
        if FRAMEWORK_LOOP.search(symbol):
            m = re.search(r"\] ([\w.]+?)(?:[`+][^:]*)?::", symbol)
            return "framework: " + (m.group(1).split(".")[-1] if m else symbol[:60])
    symbol, dso = stack[0]
    if dso.startswith("perf-") or dso.startswith("/tmp/perf-"):
        m = re.search(r"\[([\w.]+)\]", symbol)
        return "framework only: " + (m.group(1) if m else "managed, unnamed")
    return "framework only: " + dso.split("/")[-1]


def steps(script):
    """Samples by step: each charged to the innermost step frame on its stack, so what a step makes the framework do
    (a header it sets, a timer it arms) is the step's; without one, to the framework."""
    counts = collections.Counter()
    stack = []
    with open(script, errors="replace") as f:
        for line in f:
            if line.startswith((" ", "\t")) and line.strip():
                m = re.match(r"\s*\S+ (.*) \((.*)\)$", line.rstrip())
                if m:
                    stack.append((m.group(1), m.group(2)))
                continue
            if stack:
                counts[step_of(stack)] += 1
            stack = []
    if stack:
        counts[step_of(stack)] += 1
    return counts


def run(name, round_, requests, ticks, frequency, report, script=None):
    samples = collections.Counter()
    frames = collections.Counter()
    with open(report) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                n, dso, symbol = int(m.group(1)), m.group(2).strip(), m.group(4).strip()
                samples[component(dso, symbol)] += n
                frames[frame(dso, symbol)] += n
    # The busiest frames only: enough to name where two proxies differ, small enough to keep every run.
    record = {"proxy": name, "round": int(round_), "requests": int(requests), "cpu_ticks": int(ticks),
              "frequency": int(frequency), "samples": samples, "frames": dict(frames.most_common(400))}
    if script:
        record["steps"] = steps(script)
    print(json.dumps(record))


def table(path, command, unit="request"):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    proxies = list(dict.fromkeys(r["proxy"] for r in runs))
    per = {}  # proxy -> component -> [µs per request, one per round]
    totals, cpu = {}, {}
    for p in proxies:
        mine = [r for r in runs if r["proxy"] == p]
        comps = set().union(*(r["samples"].keys() for r in mine))
        per[p] = {c: statistics.median([r["samples"].get(c, 0) * 1e6 / r["frequency"] / r["requests"] for r in mine]) for c in comps}
        totals[p] = statistics.median([sum(r["samples"].values()) * 1e6 / r["frequency"] / r["requests"] for r in mine])
        cpu[p] = statistics.median([r["cpu_ticks"] * 1e4 / r["requests"] for r in mine])
    base = next((b for b in ("yarp-slim", "yarp") if b in proxies), None)
    comps = set().union(*(per[p].keys() for p in proxies))
    gateways = [p for p in proxies if p.startswith("gateway")]
    order = sorted(comps, key=lambda c: -max([per[p].get(c, 0) - (per[base].get(c, 0) if base else 0) for p in gateways] or [per[proxies[0]].get(c, 0)]))
    rounds = max(r["round"] for r in runs)
    print(f"CPU per proxied {unit} by component, µs, medians of {rounds} round(s); sampled with perf at "
          f"{runs[0]['frequency']} Hz (cpu-clock), each sample charged to the component of its innermost frame.")
    print(f"Command: `{command}`\n")
    head = "| component | " + " | ".join(proxies) + " | " + " | ".join(f"{g} − {base}" for g in gateways if base) + " |"
    print(head)
    print("|---|" + "---:|" * (len(proxies) + (len(gateways) if base else 0)))
    for c in order:
        cells = [f"{per[p].get(c, 0):.2f}" for p in proxies]
        diffs = [f"{per[g].get(c, 0) - per[base].get(c, 0):+.2f}" for g in gateways] if base else []
        print(f"| {c} | " + " | ".join(cells) + (" | " + " | ".join(diffs) if diffs else "") + " |")
    cells = [f"**{totals[p]:.1f}**" for p in proxies]
    diffs = [f"**{totals[g] - totals[base]:+.1f}** ({totals[g] / totals[base]:.2f}x)" for g in gateways] if base else []
    print("| all samples | " + " | ".join(cells) + (" | " + " | ".join(diffs) if diffs else "") + " |")
    cells = [f"{cpu[p]:.1f}" for p in proxies]
    diffs = [f"{cpu[g] - cpu[base]:+.1f} ({cpu[g] / cpu[base]:.2f}x)" for g in gateways] if base else []
    print("| process CPU (/proc), under sampling | " + " | ".join(cells) + (" | " + " | ".join(diffs) if diffs else "") + " |")
    if base and gateways and all("steps" in r for r in runs):
        steps_table(runs, proxies, gateways, base, unit)
    if not base or not gateways or not all("frames" in r for r in runs):
        return
    # Frame by frame: medians over rounds (a frame absent from a run's busiest 400 counts 0 there).
    fr = medians(runs, proxies, "frames")
    names = set().union(*(fr[p].keys() for p in proxies))
    top = sorted(names, key=lambda f: -max(abs(fr[g].get(f, 0) - fr[base].get(f, 0)) for g in gateways))[:40]
    print(f"\nThe 40 frames (innermost, self time) whose µs per {unit} differ most between a gateway and {base}:\n")
    rows(fr, [(f"`{f[:110]}`", f) for f in top], "frame", proxies, gateways, base)


def medians(runs, proxies, key):
    """Each proxy's median over rounds of µs per request for every name in the runs' KEY counts."""
    out = {}
    for p in proxies:
        mine = [r for r in runs if r["proxy"] == p]
        names = set().union(*(r[key].keys() for r in mine))
        out[p] = {n: statistics.median([r[key].get(n, 0) * 1e6 / r["frequency"] / r["requests"] for r in mine]) for n in names}
    return out


def rows(table, labelled, head, proxies, gateways, base):
    """A markdown table: one row per (label, name), each proxy's figure and each gateway's difference to base."""
    print(f"| {head} | " + " | ".join(proxies) + " | " + " | ".join(f"{g} − {base}" for g in gateways) + " |")
    print("|---|" + "---:|" * (len(proxies) + len(gateways)))
    for label, name in labelled:
        cells = [f"{table[p].get(name, 0):.2f}" for p in proxies]
        diffs = [f"{table[g].get(name, 0) - table[base].get(name, 0):+.2f}" for g in gateways]
        print(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(diffs) + " |")


def steps_table(runs, proxies, gateways, base, unit):
    st = medians(runs, proxies, "steps")
    names = set().union(*(st[p].keys() for p in proxies))
    shown = [s for s in sorted(names, key=lambda s: -max(st[g].get(s, 0) - st[base].get(s, 0) for g in gateways))
             if max(abs(st[g].get(s, 0) - st[base].get(s, 0)) for g in gateways) >= 0.05]
    print(f"\nBy step, µs per {unit} (medians): each sample charged to the innermost frame of the gateway's code, YARP's, "
          f"Polly's or OpenTelemetry's on its stack, so what a step makes the framework do (a header it sets, a timer it "
          f"arms) is the step's; a sample under one of the framework's own loops (Kestrel's request loop, HttpClient's "
          f"connection, the socket engine, the thread pool) is that loop's; with no step on the stack, \"framework only\". "
          f"Rows that differ from {base} by 0.05 µs or more, biggest gateway excess first:\n")
    rows(st, [(s, s) for s in shown], "step", proxies, gateways, base)


if __name__ == "__main__":
    if sys.argv[1] == "--run":
        run(*sys.argv[2:9])
    elif sys.argv[1] == "--table":
        table(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
