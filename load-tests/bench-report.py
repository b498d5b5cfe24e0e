#!/usr/bin/env python3
"""bench.sh's report: the medians of its runs as OUT/bench.md (tables) and OUT/bench.json (every run and the medians).

Usage: bench-report.py RESULTS OUT --rounds N --duration S --warmup S --rate R [--backend-capacity N:MS] [--interleave]
                        [--starts K]
       bench-report.py --merge OUT DIR_OR_BENCH_JSON...   one report over the runs of several bench.sh reports of the
                        same settings (e.g. the starts of `bench.sh --interleave --starts K` split over several
                        invocations), each report's starts numbered on after the previous report's
RESULTS holds one JSON object a line, one per wrk or load-tester run, as bench.sh writes them:
  model "closed"           wrk on keep-alive connections: requests, seconds, errors, p50_us, p99_us, cpu_ticks, ...
  model "open"             the load tester at a fixed rate: p50_us, p99_us
  model "new-connections"  wrk with `Connection: close`, each request on a fresh connection; also `accepted`, the TCP
                           connections accepted in the network namespace during the run
A wrk run's `errors` is the sum of wrk's error counts, also given by kind (absent in older results): `non_2xx` (wrk's
"Non-2xx or 3xx responses"), `connect_errors`, `read_errors`, `write_errors`, `timeouts`; for the gateway also
`gateway_statuses` (the statuses its proxy listener answered during the run, from its /metrics), `gateway_shed`
(its load-shedding refusals by reason), `gateway_edge` (new connections its edge closed unanswered, by reason) and
`gateway_limit` (its adaptive concurrency limit before and after). `start` numbers the process start a run belongs
to (bench.sh --interleave --starts K: 1 to K; without --interleave each round is a start of its own; absent in older
results, read as 1); `speed_ms` (with bench.sh --probe) is load-tests/cpu-speed.py's figure just before and just after
the run's window.
Every median pools the runs of every start; with more than one start the report also gives each start's medians and
their spread, so a reader sees whether the starts agree. With at least 4 windows a side, each CPU target's ratio also
gets a 95% interval (a bootstrap of the windows), and a verdict only where the interval lies on one side of the limit.
Each ratio to a plain YARP baseline (`yarp`, and `yarp-slim` when it ran) that has a target in issue 16 is marked
✓ or ✗, and the `targets` column sums up each row.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import sys

# The plain YARP hosts the gateway is held to: `yarp` (CreateBuilder, logging at Warning) and `yarp-slim`
# (CreateSlimBuilder, no logging providers; bench.sh --baseline slim).
BASELINES = ("yarp", "yarp-slim")

# Issue 16's targets, each a limit on a ratio to every baseline that ran. `rps` is a floor (at least), the others
# ceilings (at most). Keep-alive: CPU per request, requests/s at every connection count, p99 at P99_CONNECTIONS.
KEEP_ALIVE_TARGETS = {
    "gateway-full": {"cpu": 1.15, "rps": 0.90, "p99": 1.20},
    "gateway-none": {"cpu": 1.05, "p99": 1.20},
}
# New connections: CPU per connection.
NEW_CONNECTION_TARGETS = {
    "gateway-full": {"cpu": 1.15},
    "gateway-none": {"cpu": 1.15},
}
FLOORS = {"rps"}
# A CPU target's ratio gets a 95% interval when each side has at least this many windows: resampling fewer says little.
INTERVAL_MIN_WINDOWS = 4
INTERVAL_DRAWS = 2000
P99_CONNECTIONS = 32
LABELS = {"cpu": "CPU", "rps": "req/s", "p99": "p99", "cps": "conn/s"}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(value, base):
    return None if value is None or not base else value / base


def fmt(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"


def passes(metric, value, limit):
    return value >= limit if metric in FLOORS else value <= limit


def flagged(value, limit, metric):
    """A ratio with ✓ or ✗ when it has a target."""
    if value is None or limit is None:
        return fmt(value, 2)
    return f"{value:.2f} {'✓' if passes(metric, value, limit) else '✗'}"


def cpu_of(run):
    """A run's CPU µs per request (per connection, for a new-connection run); None for a run that completed none."""
    return run["cpu_ticks"] / run["ticks_per_second"] * 1e6 / run["requests"] if run["requests"] > 0 else None


def cpu_per_request(runs):
    """The median CPU µs per request (per connection, for new-connection runs) over the runs given."""
    return med([cpu_of(r) for r in runs])


def summarise(runs, proxies, rate):
    summary = {}
    for p in proxies:
        closed = [r for r in runs if r["proxy"] == p and r["model"] == "closed"]
        fresh = [r for r in runs if r["proxy"] == p and r["model"] == "new-connections"]
        opened = [r for r in runs if r["proxy"] == p and r["model"] == "open"]
        has_cpu = p != "direct"
        s = {}
        if closed:
            s["closed"] = {
                c: {
                    "rps": med([r["requests"] / r["seconds"] for r in rs if r["seconds"] > 0]),
                    "p50_ms": med([r["p50_us"] / 1000 for r in rs]),
                    "p99_ms": med([r["p99_us"] / 1000 for r in rs]),
                    "errors": sum(r["errors"] for r in rs),
                    **{key: sum(r.get(key, 0) for r in rs) for key, _ in ERROR_KINDS},
                    "cpu_us": cpu_per_request(rs) if has_cpu else None,
                }
                for c in sorted({r["connections"] for r in closed})
                for rs in [[r for r in closed if r["connections"] == c]]
            }
            s["cpu_us_per_request"] = cpu_per_request(closed) if has_cpu else None
            s["peak_rss_mib"] = med([r["peak_rss_kib"] / 1024 for r in closed]) if has_cpu else None
        if opened:
            s["open"] = {"rate": rate, "p50_ms": med([r["p50_us"] / 1000 for r in opened]),
                         "p99_ms": med([r["p99_us"] / 1000 for r in opened]),
                         "requests": sum(r["requests"] for r in opened),
                         "failed": sum(r.get("failed", 0) for r in opened),
                         "refused": sum(r.get("refused", 0) for r in opened),
                         "cpu_us_per_request": cpu_per_request([r for r in opened if "cpu_ticks" in r]) if has_cpu else None}
        if fresh:
            # Each completed request had a connection of its own (checked by accepted_per_request), so connections
            # completed = requests completed.
            s["new_connections"] = {
                "rows": {
                    c: {
                        "cps": med([r["requests"] / r["seconds"] for r in rs if r["seconds"] > 0]),
                        "p99_ms": med([r["p99_us"] / 1000 for r in rs]),
                        "errors": sum(r["errors"] for r in rs),
                        **{key: sum(r.get(key, 0) for r in rs) for key, _ in ERROR_KINDS},
                        "cpu_us": cpu_per_request(rs) if has_cpu else None,
                    }
                    for c in sorted({r["connections"] for r in fresh})
                    for rs in [[r for r in fresh if r["connections"] == c]]
                },
                "cpu_us_per_connection": cpu_per_request(fresh) if has_cpu else None,
                "accepted_per_request": med([r["accepted"] / r["requests"] for r in fresh if r["requests"] > 0]),
            }
        alone = [r for r in runs if r["proxy"] == p and r["model"] == "flood" and r["requests"] > 0]
        if alone:
            s["refusal_cpu_us"] = cpu_per_request(alone)
        floods = [r["flood_requests"] / r["flood_seconds"] for r in closed if r.get("flood_requests") and r.get("flood_seconds")]
        if floods:
            s["flood_rps"] = med(floods)
        summary[p] = s
    return summary


def keep_alive_ratios(s, b, top):
    """The keep-alive ratios of one proxy to one baseline: cpu and rps at each connection count, p99 at one count.
    `cpu_all` is the ratio of the medians over every connection count, the single figure of older reports."""
    out = {"cpu_all": ratio(s.get("cpu_us_per_request"), b.get("cpu_us_per_request")), "cpu": {}, "rps": {}, "p99": None}
    for c, row in s.get("closed", {}).items():
        base_row = b.get("closed", {}).get(c)
        if base_row:
            out["rps"][c] = ratio(row["rps"], base_row["rps"])
            out["cpu"][c] = ratio(row.get("cpu_us"), base_row.get("cpu_us"))
    p99_c = P99_CONNECTIONS if P99_CONNECTIONS in s.get("closed", {}) else top
    out["p99_connections"] = p99_c
    out["p99"] = ratio(s.get("closed", {}).get(p99_c, {}).get("p99_ms"), b.get("closed", {}).get(p99_c, {}).get("p99_ms"))
    return out


def check_targets(summary, baselines):
    """Every target of every proxy against every baseline that ran: a list of checks per proxy."""
    checks = {}
    for p, s in summary.items():
        rows = []
        top = max(s["closed"]) if s.get("closed") else None
        for base in baselines:
            b = summary[base]
            if s.get("closed") and b.get("closed"):
                ratios = keep_alive_ratios(s, b, top)
                for metric, limit in KEEP_ALIVE_TARGETS.get(p, {}).items():
                    if metric in ("rps", "cpu"):
                        # Issue 16 holds both at every connection count: a figure pooled over the counts hid a
                        # gateway that cost 1.42x at 256 connections behind 1.18x overall.
                        values = [(c, v) for c, v in ratios[metric].items()]
                    elif metric == "p99":
                        values = [(ratios["p99_connections"], ratios["p99"])]
                    for c, v in values:
                        if v is not None:
                            rows.append({"mode": "keep-alive", "metric": metric, "baseline": base, "connections": c,
                                         "value": v, "limit": limit, "pass": passes(metric, v, limit)})
            if s.get("new_connections") and b.get("new_connections"):
                for metric, limit in NEW_CONNECTION_TARGETS.get(p, {}).items():
                    for c, row in s["new_connections"]["rows"].items():
                        v = ratio(row.get("cpu_us"), b["new_connections"]["rows"].get(c, {}).get("cpu_us"))
                        if v is not None:
                            rows.append({"mode": "new-connections", "metric": metric, "baseline": base, "connections": c,
                                         "value": v, "limit": limit, "pass": passes(metric, v, limit)})
        checks[p] = rows
    return checks


def ratio_interval(xs, ys):
    """The 95% interval of median(xs) ÷ median(ys), each side's windows resampled (a bootstrap)."""
    if len(xs) < INTERVAL_MIN_WINDOWS or len(ys) < INTERVAL_MIN_WINDOWS:
        return None
    return bootstrap(lambda rng: statistics.median(rng.choices(xs, k=len(xs))) / statistics.median(rng.choices(ys, k=len(ys))))


def bootstrap(statistic):
    """The 95% interval of `statistic(rng)` over INTERVAL_DRAWS draws, each resampling with rng. The seed is fixed so
    the same runs give the same report."""
    rng = random.Random(16)
    draws = sorted(statistic(rng) for _ in range(INTERVAL_DRAWS))
    return [draws[int(0.025 * INTERVAL_DRAWS)], draws[int(0.975 * INTERVAL_DRAWS) - 1]]


def windows_of(runs, proxy, model, connections):
    """The windows one proxy ran in one load model at one connection count, every start and round."""
    return [r for r in runs if r["proxy"] == proxy and r["model"] == model and r["connections"] == connections]


def add_intervals(runs, checks):
    """Each CPU check gets `interval` (95%, or None for too few windows) and `settled`: whether the whole interval lies
    on one side of its limit. A window's CPU moves by about 10% on this machine, so one run's ratio can pass or miss
    by luck (docs/benchmarks.md, "Issue 16: process starts")."""
    def windows(p, model, c):
        return [v for v in map(cpu_of, windows_of(runs, p, model, c)) if v is not None]
    for p, rows in checks.items():
        for row in rows:
            if row["metric"] != "cpu":
                continue
            model = "closed" if row["mode"] == "keep-alive" else "new-connections"
            interval = ratio_interval(windows(p, model, row["connections"]), windows(row["baseline"], model, row["connections"]))
            row["interval"] = interval
            row["settled"] = interval is not None and (interval[1] <= row["limit"] or interval[0] > row["limit"])
            row["paired"] = paired_ratios(runs, p, row["baseline"], model, row["connections"])


def paired_ratios(runs, proxy, baseline, model, connections):
    """Round by round, the proxy's CPU ÷ the baseline's in the same round of the same start (the two windows seconds
    apart): their median and its 95% interval (the rounds resampled), or None with too few rounds. Beside the ratio of
    medians, which pools windows minutes apart: a slow stretch of the host that falls on some of one proxy's windows
    moves that ratio, and a paired ratio only when it falls between the two windows of one round."""
    def by_round(p):
        return {(r.get("start", 1), r["round"]): cpu_of(r) for r in windows_of(runs, p, model, connections)}
    mine, base = by_round(proxy), by_round(baseline)
    ratios = [mine[k] / base[k] for k in mine if k in base and mine[k] is not None and base[k]]
    if len(ratios) < INTERVAL_MIN_WINDOWS:
        return None
    return {"median": statistics.median(ratios), "interval": bootstrap(lambda rng: statistics.median(rng.choices(ratios, k=len(ratios)))),
            "rounds": len(ratios)}


def intervals_table(checks):
    rows = []
    for p, checks_of_p in checks.items():
        for row in checks_of_p:
            if row.get("interval") is None:
                continue
            lo, hi = row["interval"]
            verdict_cell = ("pass" if hi <= row["limit"] else "miss") if row["settled"] else "not settled"
            mode = "keep-alive" if row["mode"] == "keep-alive" else "new connections"
            paired = row.get("paired")
            paired_cells = ([f"{paired['median']:.2f}", f"{paired['interval'][0]:.2f}-{paired['interval'][1]:.2f}", str(paired["rounds"])]
                            if paired else ["-", "-", "-"])
            rows.append([f"{p} ÷ {row['baseline']} {mode} c={row['connections']}",
                         f"{row['value']:.2f}", f"{lo:.2f}-{hi:.2f}", f"{row['limit']:.2f}", verdict_cell] + paired_cells)
    if not rows:
        return []
    return ["", f"How sure each CPU target is: the 95% interval of the ratio of medians, each proxy's windows resampled "
                f"({INTERVAL_DRAWS:,} draws); `pass` or `miss` only when the whole interval lies on one side of the limit. "
                f"Paired: the median of the per-round ratios (each round's two windows seconds apart, the same start) and "
                f"its 95% interval, the rounds resampled; shown beside the graded ratio, not graded.",
            ""] + table("| target | ratio | 95% interval | limit | verdict | paired | paired 95% interval | rounds |", rows)


def verdict(p, rows, targets):
    """The `targets` cell: pass, FAIL with the missed ratios, n/a (no baseline ran) or - (no target for this proxy)."""
    if p not in targets:
        return "-"
    if not rows:
        return "n/a"
    failed = [r for r in rows if not r["pass"]]
    if not failed:
        return "pass"
    return "FAIL " + ", ".join(describe(r) for r in failed)


def describe(check):
    """A missed ratio as the targets cell names it: `CPU÷yarp-slim 1.31`, `req/s÷yarp c=256 0.84`."""
    where = "" if check["connections"] is None else f" c={check['connections']}"
    return f"{LABELS[check['metric']]}÷{check['baseline']}{where} {check['value']:.2f}"


ERROR_KINDS = (("non_2xx", "non-2xx/3xx"), ("connect_errors", "connect"), ("read_errors", "read"),
               ("write_errors", "write"), ("timeouts", "timeout"))


def error_runs(runs):
    """Every wrk run with an error, the errors by kind and what the gateway counted itself in the same window: which
    statuses it answered (a 503 with no shedding reason is not shedding's) and why load shedding refused."""
    header = ("| round | proxy | run | connections | requests | " + " | ".join(label for _, label in ERROR_KINDS) +
              " | gateway's statuses | shedding refusals | connections the edge refused | shedding limit before → after |")
    rows = []
    for r in runs:
        if r["model"] in ("closed", "new-connections") and r.get("errors"):
            rows.append([str(r["round"]), r["proxy"], "keep-alive" if r["model"] == "closed" else "new connections",
                         str(r["connections"]), f"{r['requests']:,}"] +
                        [fmt(r.get(key)) for key, _ in ERROR_KINDS] +
                        [" ".join(f"{k}: {v:,}" for k, v in sorted(r.get("gateway_statuses", {}).items())) or "-",
                         " ".join(f"{k}: {v:,}" for k, v in sorted(r.get("gateway_shed", {}).items())) or "-",
                         " ".join(f"{k}: {v:,}" for k, v in sorted(r.get("gateway_edge", {}).items())) or "-",
                         " → ".join(str(v) for v in r.get("gateway_limit", [])) or "-"])
    if not rows:
        return []
    return ["", "wrk's errors by run (runs with none left out):", ""] + table(header, rows)


def error_totals(runs):
    """All wrk errors over all runs, and by kind when the results have them: `394 (non-2xx/3xx 394, connect 0, ...)`."""
    wrk = [r for r in runs if r["model"] in ("closed", "new-connections")]
    total = sum(r.get("errors", 0) for r in wrk)
    if not any("non_2xx" in r for r in wrk):
        return f"{total}"
    return f"{total} (" + ", ".join(f"{label} {sum(r.get(key, 0) for r in wrk)}" for key, label in ERROR_KINDS) + ")"


def table(header, rows):
    return [header, "|" + "---|" * (header.count("|") - 1)] + ["| " + " | ".join(cells) + " |" for cells in rows]


def keep_alive_table(summary, baselines, checks, rate):
    proxies = [p for p, s in summary.items() if s.get("closed")]
    conns = sorted({c for p in proxies for c in summary[p]["closed"]})
    top = conns[-1]
    p99_c = P99_CONNECTIONS if P99_CONNECTIONS in conns else top
    with_open = any(summary[p].get("open") for p in proxies)
    header = "| proxy | " + " | ".join(f"req/s c={c}" for c in conns) + " | " + \
        " | ".join(f"CPU µs/req c={c}" for c in conns) + \
        f" | p50 c={top} | p99 c={top} | CPU µs/req, all | peak RSS MiB | req/s ÷ yarp | req/s ÷ nginx | CPU ÷ yarp | CPU ÷ nginx |"
    extra = [b for b in baselines if b != "yarp"]
    for b in extra:
        header += f" req/s ÷ {b} | CPU ÷ {b} |"
    for b in baselines:
        header += f" p99 c={p99_c} ÷ {b} |"
    if with_open:
        header += f" open {rate}/s p50 | open p99 |"
    header += " targets |"
    nginx = summary.get("nginx") if summary.get("nginx", {}).get("closed") else None
    rows = []
    for p in proxies:
        s = summary[p]
        targets = KEEP_ALIVE_TARGETS.get(p, {})
        ratios = {b: keep_alive_ratios(s, summary[b], top) for b in baselines if summary[b].get("closed")}
        rps_top = s["closed"].get(top, {}).get("rps")

        def to(b, metric):
            r = ratios.get(b)
            if metric == "cpu":
                # One ratio per connection count, in the order of the CPU columns.
                return " / ".join(flagged(None if r is None else r["cpu"].get(c), targets.get(metric), metric)
                                  for c in conns)
            value = None if r is None else (r["rps"].get(top) if metric == "rps" else r[metric])
            return flagged(value, targets.get(metric), metric)

        cells = [p] + [fmt(s["closed"][c]["rps"]) if c in s["closed"] else "-" for c in conns]
        cells += [fmt(s["closed"][c].get("cpu_us"), 1) if c in s["closed"] else "-" for c in conns]
        cells += [fmt(s["closed"].get(top, {}).get("p50_ms"), 2), fmt(s["closed"].get(top, {}).get("p99_ms"), 2),
                  fmt(s["cpu_us_per_request"], 1), fmt(s["peak_rss_mib"], 1),
                  to("yarp", "rps"), fmt(ratio(rps_top, nginx and nginx["closed"].get(top, {}).get("rps")), 2),
                  to("yarp", "cpu"), fmt(ratio(s["cpu_us_per_request"], nginx and nginx["cpu_us_per_request"]), 2)]
        for b in extra:
            cells += [to(b, "rps"), to(b, "cpu")]
        cells += [to(b, "p99") for b in baselines]
        if with_open:
            cells += [fmt(s["open"]["p50_ms"], 2) if s.get("open") else "-", fmt(s["open"]["p99_ms"], 2) if s.get("open") else "-"]
        cells.append(verdict(p, [r for r in checks[p] if r["mode"] == "keep-alive"], KEEP_ALIVE_TARGETS))
        rows.append(cells)
    return table(header, rows)


def new_connection_table(summary, baselines, checks):
    proxies = [p for p, s in summary.items() if s.get("new_connections")]
    conns = sorted({c for p in proxies for c in summary[p]["new_connections"]["rows"]})
    top = conns[-1]
    header = "| proxy | " + " | ".join(f"conn/s c={c}" for c in conns) + " | " + \
        " | ".join(f"CPU µs/conn c={c}" for c in conns) + \
        f" | p99 c={top} | CPU µs/conn, all | accepted ÷ requests |"
    for b in baselines:
        header += f" conn/s ÷ {b} | CPU ÷ {b} |"
    header += " CPU ÷ nginx | targets |"

    def cpu(p):
        return summary.get(p, {}).get("new_connections", {}).get("cpu_us_per_connection")

    def cps(p):
        return summary.get(p, {}).get("new_connections", {}).get("rows", {}).get(top, {}).get("cps")

    def cpu_at(p, c):
        return summary.get(p, {}).get("new_connections", {}).get("rows", {}).get(c, {}).get("cpu_us")

    rows = []
    for p in proxies:
        n = summary[p]["new_connections"]
        limit = NEW_CONNECTION_TARGETS.get(p, {}).get("cpu")
        cells = [p] + [fmt(n["rows"][c]["cps"]) if c in n["rows"] else "-" for c in conns]
        cells += [fmt(n["rows"][c].get("cpu_us"), 1) if c in n["rows"] else "-" for c in conns]
        cells += [fmt(n["rows"].get(top, {}).get("p99_ms"), 2), fmt(n["cpu_us_per_connection"], 1),
                  fmt(n["accepted_per_request"], 2)]
        for b in baselines:
            cells += [fmt(ratio(cps(p), cps(b)), 2),
                      " / ".join(flagged(ratio(cpu_at(p, c), cpu_at(b, c)), limit, "cpu") for c in conns)]
        cells += [fmt(ratio(cpu(p), cpu("nginx")), 2),
                  verdict(p, [r for r in checks[p] if r["mode"] == "new-connections"], NEW_CONNECTION_TARGETS)]
        rows.append(cells)
    return table(header, rows)


def per_start(runs, summary):
    """Each proxy's median CPU per request (per connection) at each connection count, start by start: {proxy: {"closed"
    or "new-connections": {connections: [median of start 1, of start 2, ...]}}}, None where a start has no run."""
    starts = sorted({r.get("start", 1) for r in runs if r["model"] in ("closed", "new-connections")})
    out = {}
    for p, s in summary.items():
        if p == "direct":
            continue
        for model in ("closed", "new-connections"):
            mine = [r for r in runs if r["proxy"] == p and r["model"] == model]
            for c in sorted({r["connections"] for r in mine}):
                out.setdefault(p, {}).setdefault(model, {})[c] = [
                    cpu_per_request([r for r in mine if r["connections"] == c and r.get("start", 1) == k]) for k in starts]
    return starts, out


def spread(values):
    values = [v for v in values if v]
    return max(values) / min(values) if len(values) > 1 else None


def starts_tables(runs, summary, baselines):
    """With more than one process start: each start's medians and their spread (max ÷ min), then each target ratio start
    by start (each start's median ÷ the baseline's median in the same start), marked against its target."""
    starts, medians = per_start(runs, summary)
    if len(starts) < 2:
        return [], None
    run_name = {"closed": "keep-alive", "new-connections": "new connections"}
    header = ("| run | " + " | ".join(f"start {k}" for k in starts) + " | max ÷ min | all starts |")
    rows = []
    for p, models in medians.items():
        for model, by_c in models.items():
            for c, values in by_c.items():
                pooled = cpu_per_request([r for r in runs if r["proxy"] == p and r["model"] == model and r["connections"] == c])
                rows.append([f"{p} {run_name[model]} c={c}"] + [fmt(v, 1) for v in values] + [fmt(spread(values), 2), fmt(pooled, 1)])
    lines = ["", f"Process starts: CPU µs per request (per connection for new connections), the median of each start's "
                 f"rounds; max ÷ min is the spread between the starts' medians, `all starts` the median over every run.", ""]
    lines += table(header, rows)
    ratio_rows = []
    ratios = {}
    for p, models in medians.items():
        for model, by_c in models.items():
            targets = KEEP_ALIVE_TARGETS if model == "closed" else NEW_CONNECTION_TARGETS
            limit = targets.get(p, {}).get("cpu")
            if limit is None:
                continue
            for b in baselines:
                for c, values in by_c.items():
                    base = medians.get(b, {}).get(model, {}).get(c)
                    if not base:
                        continue
                    each = [ratio(v, w) for v, w in zip(values, base)]
                    ratios.setdefault(p, {}).setdefault(b, {}).setdefault(model, {})[c] = each
                    ratio_rows.append([f"{p} ÷ {b} {run_name[model]} c={c}"] +
                                      [flagged(v, limit, "cpu") for v in each] + [fmt(spread(each), 2)])
    if ratio_rows:
        lines += ["", "The CPU targets start by start: each start's median ÷ the baseline's median in the same start.", ""]
        lines += table("| ratio | " + " | ".join(f"start {k}" for k in starts) + " | max ÷ min |", ratio_rows)
    return lines, {"starts": starts, "cpu_us": medians, "cpu_ratios": ratios}


def shedding_on_against_off(summary):
    """Issue 15's steady-load check: gateway-full (shedding on, the default) against gateway-noshed (off)."""
    on, off = summary.get("gateway-full", {}), summary.get("gateway-noshed", {})
    if on.get("open") and off.get("open") and not on.get("closed"):
        a, b = on["open"], off["open"]
        return ["", f"Shedding on (gateway-full) against off (gateway-noshed) at {a['rate']}/s: refused {a['refused']:,} "
                    f"of {a['requests']:,} with shedding on, {b['refused']:,} of {b['requests']:,} off; CPU per request "
                    f"{fmt(a['cpu_us_per_request'], 1)} µs against {fmt(b['cpu_us_per_request'], 1)} µs "
                    f"({fmt(ratio(a['cpu_us_per_request'], b['cpu_us_per_request']), 2)}x); p99 {fmt(a['p99_ms'], 2)} ms "
                    f"against {fmt(b['p99_ms'], 2)} ms."]
    if not on.get("closed") or not off.get("closed"):
        return []
    lines = ["", "Shedding on (gateway-full) against off (gateway-noshed): CPU per request "
             f"{fmt(on['cpu_us_per_request'], 1)} µs against {fmt(off['cpu_us_per_request'], 1)} µs "
             f"({fmt(ratio(on['cpu_us_per_request'], off['cpu_us_per_request']), 2)}x)"]
    if on.get("open") and off.get("open"):
        lines[-1] += (f"; at {on['open']['rate']}/s (open model) refused {on['open']['refused']:,} of "
                      f"{on['open']['requests']:,} with shedding on, {off['open']['refused']:,} of "
                      f"{off['open']['requests']:,} off; p99 {fmt(on['open']['p99_ms'], 2)} ms against "
                      f"{fmt(off['open']['p99_ms'], 2)} ms")
    lines[-1] += "."
    return lines


def open_table(summary):
    """The open model alone (--backend-capacity): each proxy at the fixed rate."""
    header = "| proxy | requests | failed | refused (429/503) | p50 ms | p99 ms | CPU µs/req |"
    rows = []
    for p, s in summary.items():
        o = s.get("open")
        if o:
            rows.append([p, f"{o['requests']:,}", f"{o['failed']:,}", f"{o['refused']:,}", fmt(o["p50_ms"], 2),
                         fmt(o["p99_ms"], 2), fmt(o["cpu_us_per_request"], 1)])
    return table(header, rows)


def access_log_on_against_off(summary):
    """Issue 22's cost of the access log: gateway-accesslog (gateway-full writing every request to a file) against
    gateway-full."""
    on, off = summary.get("gateway-accesslog", {}), summary.get("gateway-full", {})
    if not on.get("closed") or not off.get("closed"):
        return []
    line = ("Access log on (gateway-accesslog, every request to a file) against off (gateway-full): CPU per request "
            f"{fmt(on['cpu_us_per_request'], 1)} µs against {fmt(off['cpu_us_per_request'], 1)} µs "
            f"({fmt(ratio(on['cpu_us_per_request'], off['cpu_us_per_request']), 2)}x)")
    if on.get("open") and off.get("open"):
        line += (f"; at {on['open']['rate']}/s (open model) p99 {fmt(on['open']['p99_ms'], 2)} ms against "
                 f"{fmt(off['open']['p99_ms'], 2)} ms")
    return ["", line + "."]


FLOODS = ("gateway-jwt", "gateway-jwt-flood", "gateway-jwt-ratelimit-flood")


def round_p99s(runs, proxy, c):
    """The valid clients' p99 (ms) of each round of one proxy at one connection count: {round: p99}."""
    return {r["round"]: r["p99_us"] / 1000 for r in runs
            if r["proxy"] == proxy and r["model"] == "closed" and r["connections"] == c}


def flood_comparison(summary, runs):
    """Issue 21's figures: at each connection count the valid clients' p99 with no flood, under the forged flood and
    under the rate-limited flood (medians over rounds), forged ÷ 429 of the medians and of each round (rounds paired:
    both ran in the same round); then every copy of a flood proxy (NAME:LABEL, the same configuration run again) against
    its original, the noise of identical configs in this run. None when the two floods did not both run."""
    base, forged, limited = (summary.get(p, {}) for p in FLOODS)
    if not forged.get("closed") or not limited.get("closed"):
        return None
    rows = []
    for c in forged["closed"]:
        f, l = forged["closed"][c], limited["closed"].get(c)
        if not l:
            continue
        b = base.get("closed", {}).get(c)
        fr, lr = round_p99s(runs, FLOODS[1], c), round_p99s(runs, FLOODS[2], c)
        rows.append({"connections": c, "none_p99_ms": b["p99_ms"] if b else None, "forged_p99_ms": f["p99_ms"],
                     "limited_p99_ms": l["p99_ms"], "forged_over_limited": ratio(f["p99_ms"], l["p99_ms"]),
                     "forged_over_none": ratio(f["p99_ms"], b["p99_ms"]) if b else None,
                     "per_round": [ratio(fr[r], lr[r]) for r in sorted(fr) if r in lr]})
    copies = []
    for p, s in summary.items():
        original = p.split(":", 1)[0]
        if p == original or original not in FLOODS or not s.get("closed") or not summary.get(original, {}).get("closed"):
            continue
        o = summary[original]
        copies.append({"copy": p, "original": original,
                       "p99_ratio": {c: ratio(s["closed"][c]["p99_ms"], o["closed"].get(c, {}).get("p99_ms"))
                                     for c in s["closed"]},
                       "refusal_cpu_ratio": ratio(s.get("refusal_cpu_us"), o.get("refusal_cpu_us"))})
    return {"rows": rows, "copies": copies,
            "refusal_cpu_us": {"forged": forged.get("refusal_cpu_us"), "limited": limited.get("refusal_cpu_us")},
            "flood_rps": {"forged": forged.get("flood_rps"), "limited": limited.get("flood_rps")}}


def floods_against_each_other(summary, floods):
    """Issue 21: the valid-token clients' p99 with no flood (gateway-jwt), under a paced flood of forged tokens
    (gateway-jwt-flood) and under the same flood refused by a rate limit (gateway-jwt-ratelimit-flood), at every
    connection count; "forged ÷ 429" is the criterion "a refusal for a bad token costs no more than a rate-limit
    refusal"; a copy of a flood proxy run beside them gives the noise of identical configs."""
    if floods is None:
        return []
    forged, limited = summary[FLOODS[1]], summary[FLOODS[2]]
    header = ("| connections | valid p99 ms, no flood | forged-token flood | rate-limited flood | forged ÷ 429 | "
              "forged ÷ no flood | forged ÷ 429, each round |")
    rows = [[str(r["connections"]), fmt(r["none_p99_ms"], 2), fmt(r["forged_p99_ms"], 2), fmt(r["limited_p99_ms"], 2),
             fmt(r["forged_over_limited"], 2), fmt(r["forged_over_none"], 2),
             " ".join(fmt(v, 2) for v in r["per_round"])] for r in floods["rows"]]
    line = (f"Floods (issue 21), each paced at the same rate: forged tokens {fmt(forged.get('flood_rps'), 0)}/s "
            f"(401), rate-limited {fmt(limited.get('flood_rps'), 0)}/s (429); CPU per valid request "
            f"{fmt(forged.get('cpu_us_per_request'), 1)} µs against {fmt(limited.get('cpu_us_per_request'), 1)} µs "
            "(the proxy's CPU over the valid requests, so it includes the flood's share).")
    if forged.get("refusal_cpu_us") and limited.get("refusal_cpu_us"):
        line += (f" Each flood alone, unpaced (32 connections): CPU per refusal {fmt(forged['refusal_cpu_us'], 1)} µs "
                 f"for a forged token against {fmt(limited['refusal_cpu_us'], 1)} µs for a rate-limit refusal "
                 f"({fmt(ratio(forged['refusal_cpu_us'], limited['refusal_cpu_us']), 2)}x).")
    lines = ["", line, ""] + table(header, rows)
    for copy in floods["copies"]:
        text = ", ".join(f"{fmt(v, 2)} at c={c}" for c, v in copy["p99_ratio"].items())
        lines += ["", f"Same configuration twice (the noise of identical configs): {copy['copy']} ÷ {copy['original']} "
                      f"valid p99 {text}"
                      + (f"; CPU per refusal {fmt(copy['refusal_cpu_ratio'], 2)}x" if copy["refusal_cpu_ratio"] else "")
                      + "."]
    return lines


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("out")
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--warmup", type=float, required=True)
    parser.add_argument("--rate", type=int, required=True)
    parser.add_argument("--backend-capacity", default=None)
    parser.add_argument("--interleave", action="store_true")
    parser.add_argument("--starts", type=int, default=1)
    args = parser.parse_args(argv)

    runs = [json.loads(line) for line in open(args.results) if line.strip()]
    report(runs, args)


def merge(out, sources):
    """One report over several bench.sh reports' runs: each source's starts are numbered on after the previous
    source's, and the settings (rounds, duration, warm-up, interleaved, rate) must agree."""
    runs, settings, offset = [], None, 0
    for source in sources:
        path = os.path.join(source, "bench.json") if os.path.isdir(source) else source
        data = json.load(open(path))
        these = (data["rounds"], data["duration_s"], data["warmup_s"], data["interleaved"], data.get("rate", 0))
        if settings is not None and these != settings:
            raise SystemExit(f"{path}: rounds, duration, warm-up, interleave and rate {these} differ from {settings}")
        settings = these
        top = 0
        for r in data["runs"]:
            r = dict(r)
            r["start"] = r.get("start", 1) + offset
            top = max(top, r["start"])
            runs.append(r)
        offset = top
    os.makedirs(out, exist_ok=True)
    rounds, duration, warmup, interleaved, rate = settings
    args = argparse.Namespace(out=out, rounds=rounds, duration=duration, warmup=warmup, rate=rate, backend_capacity=None,
                              interleave=interleaved, starts=offset if interleaved else 1)
    report(runs, args)


def report(runs, args):
    proxies = list(dict.fromkeys(r["proxy"] for r in runs))
    summary = summarise(runs, proxies, args.rate)
    baselines = [b for b in BASELINES if b in summary]
    checks = check_targets(summary, baselines)
    add_intervals(runs, checks)
    for p, rows in checks.items():
        summary[p]["targets"] = rows

    when = datetime.datetime.now(datetime.timezone.utc)
    keep_alive = any(s.get("closed") for s in summary.values())
    fresh = any(s.get("new_connections") for s in summary.values())
    lines = [f"Benchmark {when:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, medians of "
             f"{f'{args.starts} process starts x ' if args.starts > 1 else ''}{args.rounds} round(s) of "
             f"{args.duration:g} s per run after a {args.warmup:g} s warm-up; "
             f"{'HTTP/1.1 keep-alive' if keep_alive else 'HTTP/1.1, a new connection per request'}, 128-byte body.", ""]
    if args.interleave:
        lines[0] = lines[0].replace(" per run after a", " per run, interleaved (every proxy up at once, one warm-up each, "
                                    "loaded in turn round after round), after a", 1)
    if args.backend_capacity:
        n, ms = (int(x) for x in args.backend_capacity.split(":"))
        lines[0] = (f"Benchmark {when:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, open model at {args.rate}/s for "
                    f"{args.duration:g} s per run after a {args.warmup:g} s warm-up at that rate, {args.rounds} round(s); "
                    f"the backend serves {n} at a time x {ms} ms ({n * 1000 // ms}/s at best, so "
                    f"{args.rate / (n * 1000 / ms):.0%} of its capacity); sums over rounds, medians of latency and CPU.")
        lines += open_table(summary)
    if keep_alive:
        lines += keep_alive_table(summary, baselines, checks, args.rate)
    if fresh:
        if keep_alive:
            lines.append("")
        lines += ["New connections: each request on a fresh connection (wrk with `Connection: close`). CPU µs/conn is "
                  "the proxy's CPU time ÷ connections completed; accepted ÷ requests counts the TCP connections "
                  "accepted during the run (PassiveOpens in /proc/net/snmp) per request completed: 1.00 when every "
                  "request had a connection of its own, about 2 if the proxy also opened one to the backend for each.",
                  ""] + new_connection_table(summary, baselines, checks)
    lines += shedding_on_against_off(summary)
    lines += access_log_on_against_off(summary)
    floods = flood_comparison(summary, runs)
    lines += floods_against_each_other(summary, floods)
    by_start, starts_json = starts_tables(runs, summary, baselines) if args.interleave else ([], None)
    lines += by_start
    lines += intervals_table(checks)
    lines += error_runs(runs)
    lines += ["", f"Socket/status errors reported by wrk over all runs: {error_totals(runs)}. CPU and RSS are the proxy process's "
                  "(nginx: master and workers); `direct` has no proxy.",
              "Targets (issue 16), against each plain YARP baseline that ran, each at every connection count: gateway-full CPU "
              f"per request ≤ {KEEP_ALIVE_TARGETS['gateway-full']['cpu']:.2f}x and req/s ≥ {KEEP_ALIVE_TARGETS['gateway-full']['rps']:.2f}x; "
              f"gateway-none CPU per request ≤ {KEEP_ALIVE_TARGETS['gateway-none']['cpu']:.2f}x; "
              f"both p99 at c={P99_CONNECTIONS} ≤ {KEEP_ALIVE_TARGETS['gateway-full']['p99']:.2f}x (at the largest count when "
              f"{P99_CONNECTIONS} was not run); CPU per new connection ≤ {NEW_CONNECTION_TARGETS['gateway-full']['cpu']:.2f}x. "
              "CPU ratios are given per connection count (c=32 / c=256 ...), in the order of the CPU columns; the `all` "
              "columns pool every count (older reports gave only that). ✓/✗ mark each ratio with a target; `targets` lists "
              "the ratios missed."]
    open(os.path.join(args.out, "bench.md"), "w").write("\n".join(lines) + "\n")
    json.dump({"runs": runs, "summary": summary, "rounds": args.rounds, "interleaved": args.interleave, "duration_s": args.duration,
               "warmup_s": args.warmup, "rate": args.rate, "starts": args.starts, "per_start": starts_json, "baselines": baselines, "floods": floods,
               "targets": {"keep_alive": KEEP_ALIVE_TARGETS, "new_connections": NEW_CONNECTION_TARGETS,
                           "floors": sorted(FLOORS), "p99_connections": P99_CONNECTIONS}},
              open(os.path.join(args.out, "bench.json"), "w"), indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--merge":
        if len(sys.argv) < 4:
            raise SystemExit("usage: bench-report.py --merge OUT DIR_OR_BENCH_JSON...")
        merge(sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1:])
