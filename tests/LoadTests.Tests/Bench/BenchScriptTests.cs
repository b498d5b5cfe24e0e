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
    [Fact]
    public async Task QuickRun_DefaultProxiesWithSlimBaseline_ReportsEveryProxyWithNumbersAndRatiosToBothBaselines()
    {
        // The default proxies, with yarp-slim added after yarp by --baseline slim.
        string[] proxies = ["gateway-full", "gateway-none", "yarp", "yarp-slim", "nginx", "haproxy", "direct"];
        var run = await RunAsync(["--baseline", "slim"]);

        var table = Assert.Single(run.Tables);
        Assert.Equal(proxies, table.Keys);
        foreach (var proxy in proxies)
        {
            AssertNumber(table.Cell(proxy, "req/s c=16"), proxy);
            AssertNumber(table.Cell(proxy, "req/s ÷ yarp"), proxy);
            Assert.True(run.Summary.TryGetProperty(proxy, out _), proxy);
        }

        // Every ratio to both baselines, for each proxy with a process of its own to measure the CPU of (not direct).
        foreach (var proxy in proxies.Where(p => p != "direct"))
        {
            foreach (var baseline in new[] { "yarp", "yarp-slim" })
            {
                AssertNumber(table.Cell(proxy, $"req/s ÷ {baseline}"), proxy);
                AssertNumber(table.Cell(proxy, $"CPU ÷ {baseline}"), proxy);
                AssertNumber(table.Cell(proxy, $"p99 c=16 ÷ {baseline}"), proxy);
            }
        }

        Assert.True(run.Summary.GetProperty("gateway-full").GetProperty("cpu_us_per_request").GetDouble() > 0);
        Assert.Contains("bench.md", run.Stderr, StringComparison.Ordinal);
        AssertMarked(table.Cell("gateway-full", "CPU ÷ yarp-slim"));
        AssertMarked(table.Cell("gateway-none", "CPU ÷ yarp-slim"));
        AssertVerdict(table.Cell("gateway-full", "targets"));
        Assert.Equal("-", table.Cell("yarp-slim", "targets"));
        var slimChecks = run.Summary.GetProperty("gateway-full").GetProperty("targets").EnumerateArray()
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
        var run = await RunAsync(
            ["--mode", "new-connections", "--baseline", "slim", "--proxies", "gateway-full gateway-none yarp nginx haproxy"]);

        var table = Assert.Single(run.Tables);
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
            var accepted = run.Summary.GetProperty(proxy).GetProperty("new_connections").GetProperty("accepted_per_request").GetDouble();
            Assert.True(accepted >= 0.9, $"{proxy}: {accepted:F2} connections accepted per request");
        }

        AssertMarked(table.Cell("gateway-full", "CPU ÷ yarp"));
        AssertVerdict(table.Cell("gateway-none", "targets"));
        Assert.Equal("-", table.Cell("nginx", "targets"));
    }

    [Fact]
    public async Task QuickRun_JwtProxiesAndAFloodCopy_EveryValidTokenRequestAnsweredUnderEachFloodAndTheCopyRefusedLikeItsOriginal()
    {
        const string Copy = "gateway-jwt-ratelimit-flood:again";
        var run = await RunAsync(["--proxies", $"gateway-none gateway-jwt gateway-jwt-flood gateway-jwt-ratelimit-flood {Copy}"]);

        var table = Assert.Single(run.Tables);
        // The copy (NAME:LABEL) is reported apart from its original.
        Assert.Equal(["gateway-none", "gateway-jwt", "gateway-jwt-flood", "gateway-jwt-ratelimit-flood", Copy], table.Keys);
        foreach (var closed in run.Runs.Where(r => r.GetProperty("proxy").GetString()!.StartsWith("gateway-jwt", StringComparison.Ordinal) &&
                                                   r.GetProperty("model").GetString() == "closed"))
        {
            // wrk counts a 401 (a token the gateway refused) as an error: the valid clients got none.
            Assert.True(closed.GetProperty("requests").GetInt64() > 0, closed.ToString());
            Assert.Equal(0, closed.GetProperty("errors").GetInt64());
            // A copy runs its original's configuration, flood included.
            var configuration = closed.GetProperty("proxy").GetString()!.Split(':')[0];
            var flooded = configuration.EndsWith("flood", StringComparison.Ordinal);
            // Every flood ran beside the measured clients, paced (32 connections, 20 ms apart: at most 1,600/s).
            var floodRate = (double)closed.GetProperty("flood_requests").GetInt64() / closed.GetProperty("flood_seconds").GetInt64();
            Assert.True(flooded ? floodRate is > 50 and < 1_700 : floodRate == 0, closed.ToString());
        }

        // The report compares the two floods' rates (the same pacing, so within a factor of two of each other).
        var forged = run.Summary.GetProperty("gateway-jwt-flood").GetProperty("flood_rps").GetDouble();
        var limited = run.Summary.GetProperty("gateway-jwt-ratelimit-flood").GetProperty("flood_rps").GetDouble();
        Assert.InRange(forged / limited, 0.5, 2.0);

        // And each flood alone, unpaced: what one refusal costs, for both kinds and for the copy.
        foreach (var proxy in new[] { "gateway-jwt-flood", "gateway-jwt-ratelimit-flood", Copy })
        {
            Assert.True(run.Summary.GetProperty(proxy).GetProperty("refusal_cpu_us").GetDouble() > 0, proxy);
        }

        // Each flood is refused by what it is there to measure: the forged tokens by the identity step on their own JWT
        // route, the other flood (the copy's too) by its route's rate limit.
        var answers = run.Runs.Where(r => r.GetProperty("model").GetString() == "flood")
            .ToDictionary(r => r.GetProperty("proxy").GetString()!, r => r.GetProperty("answer").GetString());
        Assert.Equal("401 unauthenticated", answers["gateway-jwt-flood"]);
        Assert.Equal("429 rate-limited", answers["gateway-jwt-ratelimit-flood"]);
        Assert.Equal("429 rate-limited", answers[Copy]);
    }

    [Fact]
    public async Task QuickRun_AProxyTwiceOverTwoRoundsProbed_CopyReportedApartEachRoundStartsOneFurtherAndEachWindowProbed()
    {
        // nginx, the cheapest proxy to start: NAME:LABEL is the same for every proxy (the flood proxies' copy is checked
        // with the JWT proxies above). --probe is here rather than on the interleaved run, which has twice the
        // windows: the two probes around a window take over a second, and both modes measure a window with the same code
        // (wrk_run).
        var run = await RunAsync(["--rounds", "2", "--probe", "--proxies", "nginx nginx:again"]);

        var table = Assert.Single(run.Tables);
        Assert.Equal(["nginx", "nginx:again"], table.Keys);
        AssertNumber(table.Cell("nginx:again", "req/s c=16"), "nginx:again");
        var closed = run.Runs.Where(r => r.GetProperty("model").GetString() == "closed").ToList();
        Assert.All(closed, r => Assert.True(r.GetProperty("requests").GetInt64() > 0, r.ToString()));
        Assert.All(closed, r => Assert.Equal(0, r.GetProperty("errors").GetInt64()));
        // Round 1 runs them in the given order, round 2 starts with the second; each round is a start of its own.
        Assert.Equal(
            [(1, 1, "nginx"), (1, 1, "nginx:again"), (2, 2, "nginx:again"), (2, 2, "nginx")],
            closed.Select(r => (r.GetProperty("start").GetInt32(), r.GetProperty("round").GetInt32(), r.GetProperty("proxy").GetString())).ToList());
        // --probe: the machine's speed just before and just after each window.
        Assert.All(closed, r => Assert.Equal(2, r.GetProperty("speed_ms").GetArrayLength()));
    }

    [Fact]
    public async Task QuickRun_InterleavedTwoStartsOfTwoRounds_OneProcessPerProxyEachStartLoadedInTurnAndEachStartsMediansReported()
    {
        var run = await RunAsync(["--interleave", "--starts", "2", "--rounds", "2", "--proxies", "gateway-none yarp"]);

        Assert.Contains("interleaved", run.Markdown, StringComparison.Ordinal);
        Assert.True(run.Json.GetProperty("interleaved").GetBoolean());
        Assert.Equal(2, run.Json.GetProperty("starts").GetInt32());
        var closed = run.Runs.Where(r => r.GetProperty("model").GetString() == "closed").ToList();
        Assert.All(closed, r => Assert.True(r.GetProperty("requests").GetInt64() > 0));
        // Each run's errors by kind, and for the gateway what it answered in the same window (from its /metrics).
        Assert.All(closed, r => Assert.Equal(0, r.GetProperty("non_2xx").GetInt64() + r.GetProperty("read_errors").GetInt64()));
        Assert.All(
            closed.Where(r => r.GetProperty("proxy").GetString() == "gateway-none"),
            r => Assert.True(r.GetProperty("gateway_statuses").GetProperty("200").GetInt64() > 0, r.ToString()));
        Assert.All(
            closed.Where(r => r.GetProperty("proxy").GetString() == "yarp"),
            r => Assert.Empty(r.GetProperty("gateway_statuses").EnumerateObject()));
        // Within a start, round 1 in the given order and round 2 one further on, as without --interleave; each start
        // begins one further on than the last.
        Assert.Equal(
            [(1, 1, "gateway-none"), (1, 1, "yarp"), (1, 2, "yarp"), (1, 2, "gateway-none"),
             (2, 1, "yarp"), (2, 1, "gateway-none"), (2, 2, "gateway-none"), (2, 2, "yarp")],
            closed.Select(r => (r.GetProperty("start").GetInt32(), r.GetProperty("round").GetInt32(), r.GetProperty("proxy").GetString())).ToList());
        // One process per proxy for the whole of a start, not one per round; the proxies apart; a fresh one each start.
        var processes = closed.GroupBy(r => (Start: r.GetProperty("start").GetInt32(), Proxy: r.GetProperty("proxy").GetString()!))
            .ToDictionary(g => g.Key, g => g.Select(r => r.GetProperty("pid").GetInt32()).Distinct().ToList());
        Assert.All(processes.Values, pids => Assert.True(pids.Count == 1 && pids[0] > 0, string.Join(",", pids)));
        foreach (var start in new[] { 1, 2 })
        {
            Assert.NotEqual(processes[(start, "gateway-none")][0], processes[(start, "yarp")][0]);
        }

        foreach (var proxy in new[] { "gateway-none", "yarp" })
        {
            Assert.NotEqual(processes[(1, proxy)][0], processes[(2, proxy)][0]);
        }

        var starts = Assert.Single(MarkdownTable.All(run.Markdown, "run"));
        foreach (var column in new[] { "start 1", "start 2", "max ÷ min", "all starts" })
        {
            AssertNumber(starts.Cell("gateway-none keep-alive c=16", column), column);
            AssertNumber(starts.Cell("yarp keep-alive c=16", column), column);
        }

        AssertMarked(Assert.Single(MarkdownTable.All(run.Markdown, "ratio")).Cell("gateway-none ÷ yarp keep-alive c=16", "start 2"));
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

    /// <summary>Runs bench.sh --quick with <paramref name="arguments"/> and reads its report; fails the test if it fails.</summary>
    private static async Task<BenchRun> RunAsync(string[] arguments)
    {
        var output = Path.Combine(Path.GetTempPath(), "bench-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await Script.RunAsync("bash", ["load-tests/bench.sh", "--quick", "--no-build", "--out", output, .. arguments], TimeSpan.FromMinutes(4));
            Assert.True(run.ExitCode == 0, $"bench.sh exited {run.ExitCode}: {run.Stderr}");
            var markdown = await File.ReadAllTextAsync(Path.Combine(output, "bench.md"));
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "bench.json")));
            return new BenchRun(run.Stderr, markdown, json.RootElement.Clone());
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

    /// <summary>One bench.sh run: its stderr, bench.md and bench.json.</summary>
    private sealed record BenchRun(string Stderr, string Markdown, JsonElement Json)
    {
        /// <summary>bench.md's tables by proxy (first column "proxy").</summary>
        public IReadOnlyList<MarkdownTable> Tables => MarkdownTable.All(Markdown);

        /// <summary>bench.json's medians by proxy.</summary>
        public JsonElement Summary => Json.GetProperty("summary");

        /// <summary>bench.json's runs, one per wrk or load-tester run.</summary>
        public IReadOnlyList<JsonElement> Runs => [.. Json.GetProperty("runs").EnumerateArray()];
    }
}
