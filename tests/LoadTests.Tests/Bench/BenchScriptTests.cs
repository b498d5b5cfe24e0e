using System.Globalization;
using System.Text.Json;
using LoadTests.Tests.Fixtures;

namespace LoadTests.Tests.Bench;

/// <summary>
/// Runs load-tests/bench.sh in its quick mode (one second per proxy: a smoke test, not a measurement) and checks the
/// report has the rows and the ratio columns, with figures in them. The full benchmark is never run here, and no
/// figure is held to a value: on a shared machine a one-second run measures the machine.
/// </summary>
[Collection(LoadGroup.Name)]
public sealed class BenchScriptTests
{
    private static readonly string[] s_proxies = ["gateway-full", "gateway-none", "yarp", "nginx", "haproxy", "direct"];

    [Fact]
    public async Task QuickRun_ReportsEveryProxyWithNumbers()
    {
        var (stderr, tables, summary) = await RunAsync([]);

        var table = Assert.Single(tables);
        Assert.Equal(s_proxies, table.Keys);
        foreach (var proxy in s_proxies)
        {
            AssertNumber(table.Cell(proxy, "req/s c=16"), proxy);
            AssertNumber(table.Cell(proxy, "req/s ÷ yarp"), proxy);
        }

        Assert.All(s_proxies, p => Assert.True(summary.TryGetProperty(p, out _), p));
        Assert.True(summary.GetProperty("gateway-full").GetProperty("cpu_us_per_request").GetDouble() > 0);
        Assert.Contains("bench.md", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickRun_BaselineSlim_ReportsRatiosToBothBaselines()
    {
        var (_, tables, summary) = await RunAsync(["--baseline", "slim", "--proxies", "gateway-full gateway-none yarp"]);

        var table = Assert.Single(tables);
        Assert.Equal(["gateway-full", "gateway-none", "yarp", "yarp-slim"], table.Keys);
        foreach (var proxy in table.Keys)
        {
            foreach (var baseline in new[] { "yarp", "yarp-slim" })
            {
                AssertNumber(table.Cell(proxy, $"req/s ÷ {baseline}"), proxy);
                AssertNumber(table.Cell(proxy, $"CPU ÷ {baseline}"), proxy);
                AssertNumber(table.Cell(proxy, $"p99 c=16 ÷ {baseline}"), proxy);
            }
        }

        AssertMarked(table.Cell("gateway-full", "CPU ÷ yarp-slim"));
        AssertMarked(table.Cell("gateway-none", "CPU ÷ yarp-slim"));
        AssertVerdict(table.Cell("gateway-full", "targets"));
        Assert.Equal("-", table.Cell("yarp-slim", "targets"));
        var slimChecks = summary.GetProperty("gateway-full").GetProperty("targets").EnumerateArray()
            .Where(c => c.GetProperty("baseline").GetString() == "yarp-slim")
            .Select(c => c.GetProperty("metric").GetString())
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "cpu", "p99", "rps" }, slimChecks);
    }

    [Fact]
    public async Task QuickRun_NewConnections_ReportsCpuPerConnectionWithOneConnectionPerRequest()
    {
        string[] proxies = ["gateway-full", "gateway-none", "yarp", "yarp-slim", "nginx", "haproxy"];
        var (_, tables, summary) = await RunAsync(
            ["--mode", "new-connections", "--baseline", "slim", "--proxies", "gateway-full gateway-none yarp nginx haproxy"]);

        var table = Assert.Single(tables);
        Assert.Equal(proxies, table.Keys);
        foreach (var proxy in proxies)
        {
            AssertNumber(table.Cell(proxy, "conn/s c=16"), proxy);
            AssertNumber(table.Cell(proxy, "CPU µs/conn c=16"), proxy);
            AssertNumber(table.Cell(proxy, "accepted ÷ requests"), proxy);
            AssertNumber(table.Cell(proxy, "CPU ÷ yarp"), proxy);
            AssertNumber(table.Cell(proxy, "CPU ÷ yarp-slim"), proxy);
            AssertNumber(table.Cell(proxy, "conn/s ÷ yarp"), proxy);

            // The premise of the mode, not a performance figure: wrk reconnected for every request, so the kernel
            // accepted at least one connection per request (other processes on the machine only add to the count).
            var accepted = summary.GetProperty(proxy).GetProperty("new_connections").GetProperty("accepted_per_request").GetDouble();
            Assert.True(accepted >= 0.9, $"{proxy}: {accepted:F2} connections accepted per request");
        }

        AssertMarked(table.Cell("gateway-full", "CPU ÷ yarp"));
        AssertVerdict(table.Cell("gateway-none", "targets"));
        Assert.Equal("-", table.Cell("nginx", "targets"));
    }

    [Fact]
    public async Task QuickRun_JwtProxies_EveryValidTokenRequestAnsweredEvenUnderTheForgedFlood()
    {
        var (_, tables, summary, runs) = await RunWithRunsAsync(["--proxies", "gateway-none gateway-jwt gateway-jwt-flood gateway-jwt-ratelimit-flood"]);

        var table = Assert.Single(tables);
        Assert.Equal(["gateway-none", "gateway-jwt", "gateway-jwt-flood", "gateway-jwt-ratelimit-flood"], table.Keys);
        foreach (var run in runs.Where(r => r.GetProperty("proxy").GetString()!.StartsWith("gateway-jwt", StringComparison.Ordinal) &&
                                            r.GetProperty("model").GetString() == "closed"))
        {
            // wrk counts a 401 (a token the gateway refused) as an error: the valid clients got none.
            Assert.True(run.GetProperty("requests").GetInt64() > 0, run.ToString());
            Assert.Equal(0, run.GetProperty("errors").GetInt64());
            var flooded = run.GetProperty("proxy").GetString()!.EndsWith("flood", StringComparison.Ordinal);
            // Both floods ran beside the measured clients, paced (32 connections, 20 ms apart: at most 1,600/s).
            var floodRate = (double)run.GetProperty("flood_requests").GetInt64() / run.GetProperty("flood_seconds").GetInt64();
            Assert.True(flooded ? floodRate is > 50 and < 1_700 : floodRate == 0, run.ToString());
        }

        // The report compares the two floods' rates (the same pacing, so within a factor of two of each other).
        var forged = summary.GetProperty("gateway-jwt-flood").GetProperty("flood_rps").GetDouble();
        var limited = summary.GetProperty("gateway-jwt-ratelimit-flood").GetProperty("flood_rps").GetDouble();
        Assert.InRange(forged / limited, 0.5, 2.0);

        // And each flood alone, unpaced: what one refusal costs, for both kinds.
        foreach (var proxy in new[] { "gateway-jwt-flood", "gateway-jwt-ratelimit-flood" })
        {
            Assert.True(summary.GetProperty(proxy).GetProperty("refusal_cpu_us").GetDouble() > 0, proxy);
        }

        // Each flood is refused by what it is there to measure: the forged tokens by the identity step on their own JWT
        // route, the other flood by its route's rate limit.
        var answers = runs.Where(r => r.GetProperty("model").GetString() == "flood")
            .ToDictionary(r => r.GetProperty("proxy").GetString()!, r => r.GetProperty("answer").GetString());
        Assert.Equal("401 unauthenticated", answers["gateway-jwt-flood"]);
        Assert.Equal("429 rate-limited", answers["gateway-jwt-ratelimit-flood"]);
    }

    [Fact]
    public async Task QuickRun_AProxyTwiceOverTwoRounds_CopyReportedApartAndEachRoundStartsOneFurther()
    {
        var (_, tables, summary, runs) = await RunWithRunsAsync(
            ["--rounds", "2", "--proxies", "gateway-jwt-ratelimit-flood gateway-jwt-ratelimit-flood:again"]);

        var table = Assert.Single(tables);
        Assert.Equal(["gateway-jwt-ratelimit-flood", "gateway-jwt-ratelimit-flood:again"], table.Keys);
        // The copy ran the same configuration: its flood was refused by the rate limit too, and each valid request answered.
        Assert.True(summary.GetProperty("gateway-jwt-ratelimit-flood:again").GetProperty("refusal_cpu_us").GetDouble() > 0);
        var closed = runs.Where(r => r.GetProperty("model").GetString() == "closed").ToList();
        Assert.All(closed, r => Assert.Equal(0, r.GetProperty("errors").GetInt64()));
        // Round 1 runs them in the given order, round 2 starts with the second.
        var order = closed.Select(r => (Round: r.GetProperty("round").GetInt32(), Proxy: r.GetProperty("proxy").GetString())).ToList();
        Assert.Equal(
            [(1, "gateway-jwt-ratelimit-flood"), (1, "gateway-jwt-ratelimit-flood:again"), (2, "gateway-jwt-ratelimit-flood:again"), (2, "gateway-jwt-ratelimit-flood")],
            order);
    }

    [Fact]
    public async Task QuickRun_Interleaved_EveryProxyUpOnceAndLoadedInTurnEachRound()
    {
        var output = Path.Combine(Path.GetTempPath(), "bench-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await Script.RunAsync(
                "bash",
                ["load-tests/bench.sh", "--quick", "--no-build", "--interleave", "--rounds", "2", "--proxies", "gateway-none yarp", "--out", output],
                TimeSpan.FromMinutes(4));
            Assert.True(run.ExitCode == 0, $"bench.sh exited {run.ExitCode}: {run.Stderr}");
            Assert.Contains("interleaved", await File.ReadAllTextAsync(Path.Combine(output, "bench.md")), StringComparison.Ordinal);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "bench.json")));
            Assert.True(json.RootElement.GetProperty("interleaved").GetBoolean());
            var closed = json.RootElement.GetProperty("runs").EnumerateArray()
                .Where(r => r.GetProperty("model").GetString() == "closed")
                .ToList();
            Assert.All(closed, r => Assert.True(r.GetProperty("requests").GetInt64() > 0));
            // Each run's errors by kind, and for the gateway what it answered in the same window (from its /metrics).
            Assert.All(closed, r => Assert.Equal(0, r.GetProperty("non_2xx").GetInt64() + r.GetProperty("read_errors").GetInt64()));
            Assert.All(
                closed.Where(r => r.GetProperty("proxy").GetString() == "gateway-none"),
                r => Assert.True(r.GetProperty("gateway_statuses").GetProperty("200").GetInt64() > 0, r.ToString()));
            Assert.All(
                closed.Where(r => r.GetProperty("proxy").GetString() == "yarp"),
                r => Assert.Empty(r.GetProperty("gateway_statuses").EnumerateObject()));
            // Round 1 in the given order, round 2 one further on, as without --interleave.
            Assert.Equal(
                [(1, "gateway-none"), (1, "yarp"), (2, "yarp"), (2, "gateway-none")],
                closed.Select(r => (r.GetProperty("round").GetInt32(), r.GetProperty("proxy").GetString())).ToList());
            // One process per proxy for the whole run, not one per round.
            var processes = closed.GroupBy(r => r.GetProperty("proxy").GetString())
                .ToDictionary(g => g.Key!, g => g.Select(r => r.GetProperty("pid").GetInt32()).Distinct().ToList());
            Assert.All(processes.Values, pids => Assert.True(pids.Count == 1 && pids[0] > 0, string.Join(",", pids)));
            Assert.NotEqual(processes["gateway-none"][0], processes["yarp"][0]);
            Assert.All(closed, r => Assert.Equal(1, r.GetProperty("start").GetInt32()));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task QuickRun_InterleavedTwoStarts_FreshProcessesEachStartAndEachStartsMediansReported()
    {
        var output = Path.Combine(Path.GetTempPath(), "bench-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await Script.RunAsync(
                "bash",
                ["load-tests/bench.sh", "--quick", "--no-build", "--interleave", "--starts", "2", "--probe", "--proxies", "gateway-none yarp", "--out", output],
                TimeSpan.FromMinutes(4));
            Assert.True(run.ExitCode == 0, $"bench.sh exited {run.ExitCode}: {run.Stderr}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "bench.json")));
            Assert.Equal(2, json.RootElement.GetProperty("starts").GetInt32());
            var closed = json.RootElement.GetProperty("runs").EnumerateArray()
                .Where(r => r.GetProperty("model").GetString() == "closed")
                .Select(r => (Start: r.GetProperty("start").GetInt32(), Proxy: r.GetProperty("proxy").GetString()!,
                              Pid: r.GetProperty("pid").GetInt32(), Speed: r.GetProperty("speed_ms")))
                .ToList();
            // One round per start; the second start begins one proxy further on.
            Assert.Equal(
                [(1, "gateway-none"), (1, "yarp"), (2, "yarp"), (2, "gateway-none")],
                closed.Select(r => (r.Start, r.Proxy)).ToList());
            // Each start is a fresh process of every proxy.
            Assert.All(closed.GroupBy(r => r.Proxy), g => Assert.Equal(2, g.Select(r => r.Pid).Distinct().Count()));
            // --probe: the machine's speed just before and just after each window.
            Assert.All(closed, r => Assert.Equal(2, r.Speed.GetArrayLength()));
            var markdown = await File.ReadAllTextAsync(Path.Combine(output, "bench.md"));
            var starts = Assert.Single(MarkdownTable.All(markdown, "run"));
            foreach (var column in new[] { "start 1", "start 2", "max ÷ min", "all starts" })
            {
                AssertNumber(starts.Cell("gateway-none keep-alive c=16", column), column);
                AssertNumber(starts.Cell("yarp keep-alive c=16", column), column);
            }

            AssertMarked(Assert.Single(MarkdownTable.All(markdown, "ratio")).Cell("gateway-none ÷ yarp keep-alive c=16", "start 2"));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Starts_WithoutInterleave_RefusedWithAClearMessage()
    {
        var run = await Script.RunAsync(
            "bash",
            ["load-tests/bench.sh", "--quick", "--no-build", "--starts", "2", "--proxies", "yarp", "--out", Path.GetTempPath()],
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--starts is for --interleave", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interleave_WithAFloodProxy_RefusedWithAClearMessage()
    {
        var run = await Script.RunAsync(
            "bash",
            ["load-tests/bench.sh", "--quick", "--no-build", "--interleave", "--proxies", "gateway-jwt-flood yarp", "--out", Path.GetTempPath()],
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--interleave does not run the JWT proxies", run.Stderr, StringComparison.Ordinal);
    }

    private static async Task<(string Stderr, IReadOnlyList<MarkdownTable> Tables, JsonElement Summary)> RunAsync(string[] arguments)
    {
        var (stderr, tables, summary, _) = await RunWithRunsAsync(arguments);
        return (stderr, tables, summary);
    }

    private static async Task<(string Stderr, IReadOnlyList<MarkdownTable> Tables, JsonElement Summary, JsonElement[] Runs)> RunWithRunsAsync(string[] arguments)
    {
        var output = Path.Combine(Path.GetTempPath(), "bench-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await Script.RunAsync("bash", ["load-tests/bench.sh", "--quick", "--no-build", "--out", output, .. arguments], TimeSpan.FromMinutes(4));
            Assert.True(run.ExitCode == 0, $"bench.sh exited {run.ExitCode}: {run.Stderr}");
            var markdown = await File.ReadAllTextAsync(Path.Combine(output, "bench.md"));
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "bench.json")));
            return (
                run.Stderr,
                MarkdownTable.All(markdown),
                json.RootElement.GetProperty("summary").Clone(),
                [.. json.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.Clone())]);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static void AssertNumber(string cell, string proxy)
    {
        var number = cell.Split(' ')[0].Replace(",", string.Empty, StringComparison.Ordinal);
        Assert.True(double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"{proxy}: '{cell}' is not a figure");
    }

    private static void AssertMarked(string cell) =>
        Assert.True(cell.EndsWith(" ✓", StringComparison.Ordinal) || cell.EndsWith(" ✗", StringComparison.Ordinal), $"'{cell}' has no target mark");

    private static void AssertVerdict(string cell) =>
        Assert.True(cell == "pass" || cell.StartsWith("FAIL ", StringComparison.Ordinal), $"'{cell}' is not pass or FAIL");
}
