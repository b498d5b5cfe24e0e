#!/usr/bin/env python3
"""The load-shedding proof's figures, side by side for the direct and the gateway storm (run.sh calls this).

usage: summarise.py OUT_DIR CAPACITY SERVICE_MS METRICS_BEFORE METRICS_AFTER COMMAND
OUT_DIR holds direct/report.json and gateway/report.json; the metrics files are the gateway's /metrics before and
after its storm, for the gateway's own view of how fast it answered (ASP.NET Core's http.server.request.duration).
"""
import json
import os
import re
import sys


def run_of(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["runs"][0]


def step(run, prefix):
    return next((s for s in run["steps"] if s["name"].startswith(prefix)), None)


def storm_goodput(run):
    """Goodput over the seconds until the last bootstrap finished: the storm, without the heartbeats' tail."""
    end = run["sessions"].get("fullyServedSeconds") or run["durationSeconds"]
    seconds = max(1, int(end))
    ok = sum(p["goodput"] for p in run["timeline"][:seconds])
    return ok / seconds


def wasted(run):
    """Backend work done for callers that had gone: answers the backend finished after its caller (the client, or the
    proxy on the client's behalf) closed the request, counted by the backend itself once its queue has drained. Reports
    from before the backend counted that fall back to answers beyond the calls clients got answered, which misses an
    answer for an attempt a client abandoned and then retried successfully."""
    if not run.get("backend"):
        return "-"
    served = sum(b["served"] for b in run["backend"])
    if all("abandoned" in b for b in run["backend"]):
        extra = sum(b["abandoned"] for b in run["backend"])
    else:
        extra = max(0, served - run["overall"]["ok"])
    return f"{extra:,} of {served:,} ({extra / served:.1%})" if served else "-"


def histogram(path, metric):
    """A Prometheus histogram's cumulative buckets in one /metrics file: {(labels without le, le): count}, the labels a
    frozenset of (name, value) pairs, le a float (inf for +Inf). The one reader for every histogram summed below."""
    counts = {}
    pattern = re.compile(rf'^{metric}_bucket\{{(.*)\}} (\d+)')
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pattern.match(line)
            if not m:
                continue
            tags = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            le = tags.pop("le")
            key = (frozenset(tags.items()), float("inf") if le == "+Inf" else float(le))
            counts[key] = counts.get(key, 0) + int(m.group(2))
    return counts


def buckets(path, status, route):
    """Cumulative histogram buckets {le: count} of http.server.request.duration for one status and route (None: all)."""
    counts = {}
    for (tags, le), count in histogram(path, "http_server_request_duration_seconds").items():
        tags = dict(tags)
        if tags.get("http_response_status_code") != str(status) or (route is not None and tags.get("http_route") != route):
            continue
        counts[le] = counts.get(le, 0) + count
    return counts


def share_within(before, after, status, route, bound):
    b, a = buckets(before, status, route), buckets(after, status, route)
    total = a.get(float("inf"), 0) - b.get(float("inf"), 0)
    within = a.get(bound, 0) - b.get(bound, 0)
    return within, total


def late_refusals(before, after, bound=0.005):
    """Refusals after more than `bound` seconds in admission, by priority and reason, from the gateway's
    gateway.shedding.time_in_queue histogram: which of the queue's rules made the refusals late."""

    def read(path):
        counts = {}
        for (tags, le), count in histogram(path, "gateway_shedding_time_in_queue_seconds").items():
            tags = dict(tags)
            key = (tags.get("gateway_priority", "?"), tags.get("gateway_shedding_outcome", "?"), le)
            counts[key] = counts.get(key, 0) + count
        return counts

    b, a = read(before), read(after)
    late = {}
    for (priority, outcome, le), count in a.items():
        if outcome in ("granted", "client_gone") or le != float("inf"):
            continue
        within = a.get((priority, outcome, bound), 0) - b.get((priority, outcome, bound), 0)
        over = count - b.get((priority, outcome, le), 0) - within
        if over > 0:
            late[(priority, outcome)] = over
    return late


def counter(path, name):
    """The sum of a Prometheus counter's series in one /metrics file."""
    pattern = re.compile(rf'^{name}(\{{.*\}})? ([0-9.eE+-]+)$')
    with open(path, encoding="utf-8") as f:
        return sum(float(m.group(2)) for m in map(pattern.match, f) if m)


def main():
    out, capacity, service_ms, before, after, command = sys.argv[1:7]
    best = int(capacity) / (float(service_ms) / 1000)
    names = [n for n in ("direct", "gateway", "haproxy") if n != "haproxy" or os.path.exists(f"{out}/{n}/report.json")]
    runs = {name: run_of(f"{out}/{name}/report.json") for name in names}
    first = runs["direct"]
    # The work the storm asks for: every planned session's bootstrap calls and heartbeats. Not the calls the direct
    # run made: a target that loses sessions makes fewer calls (1 s clients straight at the backend lost half of them),
    # which understated the ideal time by a quarter and overstated every target's ratio to it.
    planned = first["sessions"]["planned"]
    with open(f"{out}/direct/report.json", encoding="utf-8") as f:
        command_line = json.load(f).get("commandLine") or ""
    heartbeats = re.search(r"--heartbeats (\d+)", command_line)
    bootstrap_calls = planned * sum(1 for s in first["steps"] if not s["name"].startswith("/sync"))
    total_calls = bootstrap_calls + planned * (int(heartbeats.group(1)) if heartbeats else 2)

    def row(label, fn):
        return f"| {label} | " + " | ".join(fn(runs[n]) for n in names) + " |"

    def ms(value):
        return "-" if value is None else f"{value:,.1f} ms"

    def secs(value):
        return "never" if value is None else f"{value:.2f} s"

    with open(f"{out}/direct/report.json", encoding="utf-8") as f:
        timeout = re.search(r"--timeout (\S+)", json.load(f).get("commandLine") or "")
    lines = [
        f"# Load-shedding proof, {first['retryPolicy']} clients",
        "",
        f"Command: `{command}`",
        "",
        f"Backend: capacity {capacity} in service x {service_ms} ms = {best:,.0f} calls/s at best. "
        f"Storm: {first['sessions']['planned']:,} clients, {total_calls:,} calls ({bootstrap_calls:,} bootstrap); "
        f"ideal time for all of them {total_calls / best:.1f} s, for the bootstraps {bootstrap_calls / best:.1f} s. "
        f"Client timeout per attempt: {timeout.group(1) if timeout else '10s (the load tester default)'}.",
        "",
        "| | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
        row("sessions bootstrapped", lambda r: f"{r['sessions']['bootstrapped']:,} / {r['sessions']['planned']:,}"),
        row("every bootstrap done after", lambda r: secs(r["sessions"].get("fullyServedSeconds"))),
        row("... ÷ ideal for the bootstraps", lambda r: "-" if r["sessions"].get("fullyServedSeconds") is None else f"{r['sessions']['fullyServedSeconds'] / (bootstrap_calls / best):.2f}x"),
        row("whole run (heartbeats too)", lambda r: secs(r["durationSeconds"]) + (" (cancelled: still retrying at the end of the drain)" if r.get("aborted") else "")),
        row("goodput until the last bootstrap", lambda r: f"{storm_goodput(r):,.0f}/s ({storm_goodput(r) / best:.0%} of best)"),
        row("backend answers no client got (served after the caller left)", wasted),
        row("backend peak queue", lambda r: f"{max(b['peakQueued'] for b in r['backend']):,}" if r.get("backend") else "-"),
        row("`/session/auth` (critical) p50 / p99", lambda r: f"{ms(step(r, '/session')['latency']['p50Ms'])} / {ms(step(r, '/session')['latency']['p99Ms'])}"),
        row("`/api/state` (default) p50 / p99", lambda r: f"{ms(step(r, '/api/state')['latency']['p50Ms'])} / {ms(step(r, '/api/state')['latency']['p99Ms'])}"),
        row("heartbeats (sheddable) ok / failed", lambda r: f"{step(r, '/sync')['ok']:,} / {step(r, '/sync')['failed']:,}" if step(r, "/sync") else "-"),
        row("attempts refused (429/503)", lambda r: f"{r['overall']['statusCodes'].get('503', 0) + r['overall']['statusCodes'].get('429', 0):,}"),
        row("refusals answered in, client's clock p50 / p99", lambda r: f"{ms(r['overall']['rejectionLatency']['p50Ms'])} / {ms(r['overall']['rejectionLatency']['p99Ms'])}" if r["overall"].get("rejectionLatency", {}).get("count") else "-"),
        row("load generator start lag p99", lambda r: ms(r["sessions"]["startLag"]["p99Ms"])),
        row("load generator CPU (its own, per attempt)", lambda r: f"{r['generatorCpuSeconds']:.2f} s ({r['generatorCpuSeconds'] * 1e6 / max(1, r['overall']['attempts']):,.0f} µs)" if r.get("generatorCpuSeconds") else "-"),
    ]
    # A run that mixes sessions sending their deadline with sessions that do not (--send-deadline-fraction): each kind.
    for i, kind in enumerate(k["name"] for k in (first.get("byDeadline") or [])):
        def of(r, i=i):
            return (r.get("byDeadline") or [None, None])[i]
        lines += [
            row(f"sessions {kind}: bootstrapped", lambda r, of=of: f"{of(r)['bootstrapped']:,} / {of(r)['sessions']:,}" if of(r) else "-"),
            row(f"... attempts timed out", lambda r, of=of: f"{of(r)['timeouts']:,} of {of(r)['attempts']:,}" if of(r) else "-"),
            row(f"... refusals answered in, client's clock p50 / p99", lambda r, of=of: f"{ms(of(r)['rejectionLatency']['p50Ms'])} / {ms(of(r)['rejectionLatency']['p99Ms'])}" if of(r) and of(r)["rejectionLatency"]["count"] else "-"),
        ]

    refused_within, refused = share_within(before, after, 503, None, 0.005)
    sync_within, sync_refused = share_within(before, after, 503, "/sync/{**rest}", 0.005)
    critical_within, critical = share_within(before, after, 200, "/session/{**rest}", 0.1)
    late = late_refusals(before, after)
    lines += [
        "",
        "The gateway's own clock (`http.server.request.duration`, from request to response, during the storm):",
        f"- refusals (503, every route) within 5 ms: {refused_within:,} of {refused:,}"
        + (f" ({refused_within / refused:.2%})" if refused else ""),
        f"- refusals of `/sync/*` (sheddable) within 5 ms: {sync_within:,} of {sync_refused:,}"
        + (f" ({sync_within / sync_refused:.2%})" if sync_refused else ""),
        f"- `/session/*` (critical) answered within 100 ms: {critical_within:,} of {critical:,}"
        + (f" ({critical_within / critical:.2%})" if critical else ""),
        "- refused after more than 5 ms in admission (`gateway.shedding.time_in_queue`), by priority and reason: "
        + (", ".join(f"{p} {o} {n:,}" for (p, o), n in sorted(late.items())) or "none"),
        f"- garbage collection: {counter(after, 'dotnet_gc_collections_total') - counter(before, 'dotnet_gc_collections_total'):.0f} "
        f"collections paused the gateway {1000 * (counter(after, 'dotnet_gc_pause_time_seconds_total') - counter(before, 'dotnet_gc_pause_time_seconds_total')):,.0f} ms in all",
        # Tiered JIT work competes for the same two cores as the refusals; tells a precompiled (ReadyToRun) gateway
        # from one that compiles as it goes.
        f"- JIT: {1000 * counter(before, 'dotnet_jit_compilation_time_seconds_total'):,.0f} ms compiling "
        f"{counter(before, 'dotnet_jit_compiled_methods_total'):,.0f} methods from the gateway's start through its warm-up, "
        f"then {1000 * (counter(after, 'dotnet_jit_compilation_time_seconds_total') - counter(before, 'dotnet_jit_compilation_time_seconds_total')):,.0f} ms "
        f"compiling {counter(after, 'dotnet_jit_compiled_methods_total') - counter(before, 'dotnet_jit_compiled_methods_total'):,.0f} during the storm",
        "",
        "The client's clock includes the load generator's own queueing (its start lag above) on a machine whose two "
        "cores run the generator, the gateway and the backend together.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
