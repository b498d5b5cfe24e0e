using System.Globalization;
using System.Text;

namespace LoadTests.Reporting;

/// <summary>The report as Markdown tables: per run, one row per step and one overall.</summary>
internal static class MarkdownReport
{
    public static string Render(LoadReport report, IReadOnlyList<string> charts)
    {
        var md = new StringBuilder();
        Line(md, $"# Load test: {report.Scenario}");
        md.AppendLine();
        Line(md, $"- target: `{report.Target}`");
        Line(md, $"- started: {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC on {report.Machine}");
        Line(md, $"- command: `{report.CommandLine}`");
        for (var i = 0; i < report.Runs.Count; i++)
        {
            var run = report.Runs[i];
            md.AppendLine();
            Line(md, $"## Run {i + 1}: {run.Name}");
            md.AppendLine();
            Line(md, $"{run.Model} model, phases {run.Phases}; retry policy `{run.RetryPolicy}`, connections `{run.Connection}`; {run.DurationSeconds:0.##} s from first scheduled start to last completion.");
            if (run.Aborted is { } aborted)
            {
                md.AppendLine();
                Line(md, $"**Aborted:** {aborted}");
            }

            md.AppendLine();
            AppendSteps(md, run);
            md.AppendLine();
            AppendCounts(md, run);
            md.AppendLine();
            if (run.Overall.RejectionLatency is { Count: > 0 } refused)
            {
                Line(md, $"Rejections (429/503) answered in: p50 {refused.P50Ms:0.##} ms, p99 {refused.P99Ms:0.##} ms, max {refused.MaxMs:0.##} ms, over {refused.Count:N0} attempts.");
            }

            foreach (var kind in run.ByDeadline ?? [])
            {
                var r = kind.RejectionLatency;
                Line(md, $"Sessions {kind.Name}: {kind.Bootstrapped:N0} of {kind.Sessions:N0} bootstrapped, {kind.Timeouts:N0} of {kind.Attempts:N0} attempts timed out, rejections answered in p50 {r.P50Ms:0.##} ms, p99 {r.P99Ms:0.##} ms over {r.Count:N0}.");
            }

            var s = run.Sessions;
            Line(md, $"Sessions: {s.Planned:N0} planned, {s.Started:N0} started, {s.Bootstrapped:N0} bootstrapped, {s.Failed:N0} failed. Served 50 %: {Seconds(s.HalfServedSeconds)}, 99 %: {Seconds(s.Served99Seconds)}, all (for a storm: time until it was fully served): {Seconds(s.FullyServedSeconds)}.");
            Line(md, $"Load generator start lag (session start against its schedule): p50 {s.StartLag.P50Ms:0.#} ms, p99 {s.StartLag.P99Ms:0.#} ms, max {s.StartLag.MaxMs:0.#} ms; sessions that waited for one of the tool's own connections (--max-connections): {s.ConnectionSlotWaits:N0}; its own CPU over the run {run.GeneratorCpuSeconds:0.00} s ({CpuPerAttempt(run)}).");
            if (run.Backend is { Count: > 0 } backend)
            {
                md.AppendLine();
                md.AppendLine("| backend instance | region | peak queue | served | served after the caller left |");
                md.AppendLine("| --- | --- | ---: | ---: | ---: |");
                foreach (var b in backend)
                {
                    Line(md, $"| {b.Name} | {b.Region} | {b.PeakQueued:N0} | {b.Served:N0} | {b.Abandoned:N0} |");
                }
            }

            if (run.Events.Count > 0)
            {
                md.AppendLine();
                foreach (var e in run.Events)
                {
                    Line(md, $"- at {e.AtSeconds:0.0} s: {e.What}");
                }
            }

            if (i < charts.Count)
            {
                md.AppendLine();
                Line(md, $"![goodput, rejections and p99 over time]({charts[i]})");
            }
        }

        return md.ToString();
    }

    private static void AppendSteps(StringBuilder md, RunReport run)
    {
        md.AppendLine("| step | calls | ok | failed | attempts | goodput/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var step in run.Steps.Append(run.Overall))
        {
            var l = step.Latency;
            var name = step == run.Overall ? "**overall**" : $"`{step.Name}`";
            Line(md, $"| {name} | {step.Calls:N0} | {step.Ok:N0} | {step.Failed:N0} | {step.Attempts:N0} | {step.GoodputPerSecond:N1} | {l.P50Ms:0.#} | {l.P90Ms:0.#} | {l.P99Ms:0.#} | {l.P999Ms:0.#} | {l.MaxMs:0.#} |");
        }
    }

    private static void AppendCounts(StringBuilder md, RunReport run)
    {
        var statuses = run.Overall.StatusCodes.Keys.ToList();
        var reasons = run.Overall.GatewayReasons.Keys.ToList();
        md.Append("| step (attempts) |");
        foreach (var status in statuses)
        {
            md.Append(CultureInfo.InvariantCulture, $" {status} |");
        }

        foreach (var reason in reasons)
        {
            md.Append(CultureInfo.InvariantCulture, $" reason `{reason}` |");
        }

        md.AppendLine();
        md.Append("| --- |");
        md.Append(string.Concat(Enumerable.Repeat(" ---: |", statuses.Count + reasons.Count)));
        md.AppendLine();
        foreach (var step in run.Steps.Append(run.Overall))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {(step == run.Overall ? "**overall**" : $"`{step.Name}`")} |");
            foreach (var status in statuses)
            {
                md.Append(CultureInfo.InvariantCulture, $" {step.StatusCodes.GetValueOrDefault(status):N0} |");
            }

            foreach (var reason in reasons)
            {
                md.Append(CultureInfo.InvariantCulture, $" {step.GatewayReasons.GetValueOrDefault(reason):N0} |");
            }

            md.AppendLine();
        }
    }

    private static string CpuPerAttempt(RunReport run) => run.Overall.Attempts > 0
        ? $"{run.GeneratorCpuSeconds * 1e6 / run.Overall.Attempts:0} µs per attempt"
        : "no attempts";

    private static string Seconds(double? seconds) =>
        seconds is { } s ? s.ToString("0.00 's'", CultureInfo.InvariantCulture) : "never";

    private static void Line(StringBuilder md, FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
}
