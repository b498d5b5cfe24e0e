using System.Globalization;
using System.Text.Json;
using LoadTests.Tests.Fixtures;

namespace LoadTests.Tests.Bench;

/// <summary>
/// load-tests/bench-report.py on made-up runs (no load): each ratio with a target of issue 16 is marked, and the
/// targets column names what was missed.
/// </summary>
public sealed class BenchReportTests
{
    [Fact]
    public async Task Report_GatewayOverTargets_MarksEachMissedRatio()
    {
        // The 2026-12-04 figures of issue 16: req/s, p99 ms, CPU µs per request.
        var table = Assert.Single(await ReportAsync(
            Closed("gateway-full", 19_188, 5.20, 57.8),
            Closed("gateway-none", 23_173, 4.78, 52.2),
            Closed("yarp", 28_967, 2.97, 42.4),
            Closed("nginx", 46_169, 3.16, 17.2)));

        Assert.Equal("1.36 ✗", table.Cell("gateway-full", "CPU ÷ yarp"));
        Assert.Equal("0.66 ✗", table.Cell("gateway-full", "req/s ÷ yarp"));
        Assert.Equal("1.75 ✗", table.Cell("gateway-full", "p99 c=32 ÷ yarp"));
        Assert.Equal("FAIL CPU÷yarp c=32 1.36, req/s÷yarp c=32 0.66, p99÷yarp c=32 1.75", table.Cell("gateway-full", "targets"));
        Assert.Equal("1.23 ✗", table.Cell("gateway-none", "CPU ÷ yarp"));
        Assert.Equal("0.80", table.Cell("gateway-none", "req/s ÷ yarp"));
        Assert.Equal("3.36", table.Cell("gateway-full", "CPU ÷ nginx"));
        Assert.Equal("-", table.Cell("yarp", "targets"));
        Assert.Equal("-", table.Cell("nginx", "targets"));
    }

    [Fact]
    public async Task Report_GatewayWithinTargets_Passes()
    {
        var table = Assert.Single(await ReportAsync(
            Closed("gateway-full", 27_000, 3.30, 46.0),
            Closed("gateway-none", 28_000, 3.10, 44.0),
            Closed("yarp", 29_000, 3.00, 42.0)));

        Assert.Equal("1.10 ✓", table.Cell("gateway-full", "CPU ÷ yarp"));
        Assert.Equal("0.93 ✓", table.Cell("gateway-full", "req/s ÷ yarp"));
        Assert.Equal("1.10 ✓", table.Cell("gateway-full", "p99 c=32 ÷ yarp"));
        Assert.Equal("pass", table.Cell("gateway-full", "targets"));
        Assert.Equal("1.05 ✓", table.Cell("gateway-none", "CPU ÷ yarp"));
        Assert.Equal("pass", table.Cell("gateway-none", "targets"));
    }

    [Fact]
    public async Task Report_SlimBaseline_ChecksTargetsAgainstBoth()
    {
        var table = Assert.Single(await ReportAsync(
            Closed("gateway-full", 27_000, 3.30, 46.0),
            Closed("yarp", 29_000, 3.00, 42.0),
            Closed("yarp-slim", 31_000, 2.90, 38.0)));

        Assert.Equal("1.10 ✓", table.Cell("gateway-full", "CPU ÷ yarp"));
        Assert.Equal("1.21 ✗", table.Cell("gateway-full", "CPU ÷ yarp-slim"));
        Assert.Equal("0.87 ✗", table.Cell("gateway-full", "req/s ÷ yarp-slim"));
        Assert.Equal("1.14 ✓", table.Cell("gateway-full", "p99 c=32 ÷ yarp-slim"));
        Assert.Equal("FAIL CPU÷yarp-slim c=32 1.21, req/s÷yarp-slim c=32 0.87", table.Cell("gateway-full", "targets"));
        Assert.Equal("-", table.Cell("yarp-slim", "targets"));
    }

    [Fact]
    public async Task Report_TwoConnectionCounts_HoldsCpuToTheTargetAtEach()
    {
        // At 256 connections plain YARP gets cheaper per request and a gateway may not: pooled over both counts the
        // gateway's 1.08x would pass, while at 256 it is 1.24x.
        var table = Assert.Single(await ReportAsync(
            Closed("gateway-full", 27_000, 3.30, 44.0),
            Closed("gateway-full", 27_000, 3.30, 47.0, connections: 256),
            Closed("yarp", 28_000, 3.00, 42.0),
            Closed("yarp", 30_000, 3.00, 38.0, connections: 256)));

        Assert.Equal("44.0", table.Cell("gateway-full", "CPU µs/req c=32"));
        Assert.Equal("47.0", table.Cell("gateway-full", "CPU µs/req c=256"));
        Assert.Equal("1.05 ✓ / 1.24 ✗", table.Cell("gateway-full", "CPU ÷ yarp"));
        Assert.Equal("FAIL CPU÷yarp c=256 1.24", table.Cell("gateway-full", "targets"));
    }

    [Fact]
    public async Task Report_NewConnections_GivesCpuPerConnectionAndItsRatios()
    {
        var table = Assert.Single(await ReportAsync(
            Fresh("gateway-full", 3_000, 110.0),
            Fresh("gateway-none", 3_200, 130.0),
            Fresh("yarp", 3_300, 100.0),
            Fresh("nginx", 9_000, 30.0)));

        Assert.Equal("110.0", table.Cell("gateway-full", "CPU µs/conn c=32"));
        Assert.Equal("1.00", table.Cell("gateway-full", "accepted ÷ requests"));
        Assert.Equal("1.10 ✓", table.Cell("gateway-full", "CPU ÷ yarp"));
        Assert.Equal("0.91", table.Cell("gateway-full", "conn/s ÷ yarp"));
        Assert.Equal("pass", table.Cell("gateway-full", "targets"));
        Assert.Equal("1.30 ✗", table.Cell("gateway-none", "CPU ÷ yarp"));
        Assert.Equal("FAIL CPU÷yarp c=32 1.30", table.Cell("gateway-none", "targets"));
        Assert.Equal("0.30", table.Cell("nginx", "CPU ÷ yarp"));
        Assert.Equal("-", table.Cell("nginx", "targets"));
    }

    [Fact]
    public async Task Report_AccessLogBesideFull_GivesBothCpuCostsAndTheirRatio()
    {
        var report = await ReportTextAsync(
            Closed("gateway-full", 20_000, 3.00, 50.0),
            Closed("gateway-accesslog", 20_000, 3.20, 60.0));

        Assert.Contains(
            "Access log on (gateway-accesslog, every request to a file) against off (gateway-full): CPU per request 60.0 µs against 50.0 µs (1.20x).",
            report,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_FloodsWithACopy_GivesForgedOver429EachRoundAndTheSameConfigNoise()
    {
        // Two rounds: forged 4.0 and 6.0 ms, rate-limited 5.0 and 4.0 (medians 5.0 and 4.5), its copy 4.5 both times.
        var report = await ReportTextAsync(
            Flooded("gateway-jwt", 1, 3.0), Flooded("gateway-jwt", 2, 3.0),
            Flooded("gateway-jwt-flood", 1, 4.0), Flooded("gateway-jwt-flood", 2, 6.0),
            Flooded("gateway-jwt-ratelimit-flood", 1, 5.0), Flooded("gateway-jwt-ratelimit-flood", 2, 4.0),
            Flooded("gateway-jwt-ratelimit-flood:again", 1, 4.5), Flooded("gateway-jwt-ratelimit-flood:again", 2, 4.5));

        var floods = Assert.Single(MarkdownTable.All(report, "connections"));
        Assert.Equal("5.00", floods.Cell("32", "forged-token flood"));
        Assert.Equal("4.50", floods.Cell("32", "rate-limited flood"));
        Assert.Equal("1.11", floods.Cell("32", "forged ÷ 429"));
        Assert.Equal("0.80 1.50", floods.Cell("32", "forged ÷ 429, each round"));
        Assert.Contains(
            "gateway-jwt-ratelimit-flood:again ÷ gateway-jwt-ratelimit-flood valid p99 1.00 at c=32.",
            report,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_RunsWithErrors_ListsEachByKindBesideTheGatewaysOwnCounts()
    {
        // The shape of issue 16's unexplained errors: gateway-none at 256 connections, one keep-alive and one
        // new-connection run, here made up as 503s that shedding refused and as reset connections.
        var report = await ReportTextAsync(
            Closed("yarp", 30_000, 3.00, 40.0),
            """{"round":6,"proxy":"gateway-none","model":"closed","connections":256,"requests":115008,"seconds":3.0,"errors":181,"non_2xx":181,"connect_errors":0,"read_errors":0,"write_errors":0,"timeouts":0,"gateway_statuses":{"200":114827,"503":181},"gateway_shed":{"backlog":181},"gateway_limit":[120,64],"p50_us":6000,"p99_us":11000,"cpu_ticks":400,"ticks_per_second":100,"peak_rss_kib":100000,"accepted":256}""",
            """{"round":12,"proxy":"gateway-none","model":"new-connections","connections":256,"requests":42014,"seconds":3.0,"errors":1874,"non_2xx":0,"connect_errors":0,"read_errors":1874,"write_errors":0,"timeouts":0,"gateway_statuses":{"200":42014},"gateway_shed":{},"gateway_edge":{"max_connections":1874},"gateway_limit":[64,40],"p50_us":16000,"p99_us":27000,"cpu_ticks":350,"ticks_per_second":100,"peak_rss_kib":100000,"accepted":43888}""");

        var errors = Assert.Single(MarkdownTable.All(report, "round"));
        Assert.Equal(["6", "12"], errors.Keys);
        Assert.Equal("181", errors.Cell("6", "non-2xx/3xx"));
        Assert.Equal("200: 114,827 503: 181", errors.Cell("6", "gateway's statuses"));
        Assert.Equal("backlog: 181", errors.Cell("6", "shedding refusals"));
        Assert.Equal("120 → 64", errors.Cell("6", "shedding limit before → after"));
        Assert.Equal("new connections", errors.Cell("12", "run"));
        Assert.Equal("1,874", errors.Cell("12", "read"));
        Assert.Equal("0", errors.Cell("12", "non-2xx/3xx"));
        Assert.Equal("-", errors.Cell("12", "shedding refusals"));
        Assert.Equal("max_connections: 1,874", errors.Cell("12", "connections the edge refused"));
        Assert.Contains(
            "errors reported by wrk over all runs: 2055 (non-2xx/3xx 181, connect 0, read 1874, write 0, timeout 0)",
            report,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_TwoProcessStarts_GivesEachStartsMediansTheirSpreadAndEachStartsRatios()
    {
        // The shape of 2026-12-05's runs: the same gateway build at about 44 µs in one process start and 57 in another,
        // plain YARP alike in both. Pooled, the medians hide which start decided the figure.
        var report = await ReportTextAsync(
            ["--interleave", "--starts", "2"],
            Started("gateway-full", 1, 1, 44.0), Started("gateway-full", 1, 2, 45.0),
            Started("gateway-full", 2, 1, 57.0), Started("gateway-full", 2, 2, 58.0),
            Started("yarp-slim", 1, 1, 40.0), Started("yarp-slim", 1, 2, 40.0),
            Started("yarp-slim", 2, 1, 40.0), Started("yarp-slim", 2, 2, 40.0));

        Assert.Contains("medians of 2 process starts x 1 round(s)", report, StringComparison.Ordinal);
        // Every start's runs count in the medians of the main table.
        Assert.Equal("51.0", Assert.Single(MarkdownTable.All(report)).Cell("gateway-full", "CPU µs/req c=32"));
        var starts = Assert.Single(MarkdownTable.All(report, "run"));
        Assert.Equal("44.5", starts.Cell("gateway-full keep-alive c=32", "start 1"));
        Assert.Equal("57.5", starts.Cell("gateway-full keep-alive c=32", "start 2"));
        Assert.Equal("1.29", starts.Cell("gateway-full keep-alive c=32", "max ÷ min"));
        Assert.Equal("51.0", starts.Cell("gateway-full keep-alive c=32", "all starts"));
        Assert.Equal("1.00", starts.Cell("yarp-slim keep-alive c=32", "max ÷ min"));
        var ratios = Assert.Single(MarkdownTable.All(report, "ratio"));
        Assert.Equal("1.11 ✓", ratios.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "start 1"));
        Assert.Equal("1.44 ✗", ratios.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "start 2"));
    }

    [Fact]
    public async Task Report_SixWindowsEach_GivesEachCpuRatioAnIntervalAndAVerdictOnlyWhereItExcludesTheLimit()
    {
        // gateway-full about 1.31x in every window (no resample can bring it under 1.15x); gateway-none about 1.06x,
        // its windows spread across its 1.05x limit.
        double[] full = [50, 52, 54, 51, 53, 55], none = [40, 46, 38, 44, 41, 45], slim = [40, 40, 41, 39, 40, 42];
        var runs = Enumerable.Range(0, 6).SelectMany(i => new[]
        {
            Started("gateway-full", 1, i + 1, full[i]), Started("gateway-none", 1, i + 1, none[i]), Started("yarp-slim", 1, i + 1, slim[i]),
        });

        var report = await ReportTextAsync(["--interleave"], [.. runs]);

        var intervals = Assert.Single(MarkdownTable.All(report, "target"));
        Assert.Equal("1.31", intervals.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "ratio"));
        Assert.Equal("miss", intervals.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "verdict"));
        Assert.Equal("1.06", intervals.Cell("gateway-none ÷ yarp-slim keep-alive c=32", "ratio"));
        Assert.Equal("not settled", intervals.Cell("gateway-none ÷ yarp-slim keep-alive c=32", "verdict"));
        var interval = intervals.Cell("gateway-none ÷ yarp-slim keep-alive c=32", "95% interval").Split('-');
        Assert.True(double.Parse(interval[0], CultureInfo.InvariantCulture) < 1.05 && double.Parse(interval[1], CultureInfo.InvariantCulture) > 1.05);
    }

    [Fact]
    public async Task Report_SlowStretchOnSomeWindows_PairsEachRoundsTwoWindowsBesideTheRatioOfMedians()
    {
        // gateway-full 1.10x the slim host in every round where both windows saw the same machine; a slow stretch
        // (x1.5) fell on four of the slim host's windows but on only two of gateway-full's, which pulls the ratio of
        // medians to 0.73 while the per-round ratios stay at 1.10 in four rounds of six.
        double[] full = [44, 44, 44, 44, 66, 66], slim = [40, 40, 60, 60, 60, 60];
        var runs = Enumerable.Range(0, 6).SelectMany(i => new[] { Started("gateway-full", 1, i + 1, full[i]), Started("yarp-slim", 1, i + 1, slim[i]) });

        var report = await ReportTextAsync(["--interleave"], [.. runs]);

        var intervals = Assert.Single(MarkdownTable.All(report, "target"));
        Assert.Equal("0.73", intervals.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "ratio"));
        Assert.Equal("1.10", intervals.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "paired"));
        Assert.Equal("6", intervals.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "rounds"));
        var paired = intervals.Cell("gateway-full ÷ yarp-slim keep-alive c=32", "paired 95% interval").Split('-');
        Assert.True(double.Parse(paired[0], CultureInfo.InvariantCulture) <= 1.10 && double.Parse(paired[1], CultureInfo.InvariantCulture) >= 1.10);
    }

    [Fact]
    public async Task Merge_TwoReportsOfOneStartEach_NumbersTheStartsOnAndPoolsTheRuns()
    {
        var directory = Path.Combine(Path.GetTempPath(), "bench-merge-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] parts = [Path.Combine(directory, "a"), Path.Combine(directory, "b")];
            await WriteReportAsync(parts[0], ["--interleave"], Started("gateway-none", 1, 1, 40.0), Started("yarp-slim", 1, 1, 38.0));
            await WriteReportAsync(parts[1], ["--interleave"], Started("gateway-none", 1, 1, 50.0), Started("yarp-slim", 1, 1, 40.0));
            var merged = Path.Combine(directory, "merged");

            var run = await Script.RunAsync(
                "python3", ["load-tests/bench-report.py", "--merge", merged, parts[0], Path.Combine(parts[1], "bench.json")], TimeSpan.FromMinutes(1));

            Assert.True(run.ExitCode == 0, $"bench-report.py exited {run.ExitCode}: {run.Stderr}");
            var starts = Assert.Single(MarkdownTable.All(await File.ReadAllTextAsync(Path.Combine(merged, "bench.md")), "run"));
            Assert.Equal("40.0", starts.Cell("gateway-none keep-alive c=32", "start 1"));
            Assert.Equal("50.0", starts.Cell("gateway-none keep-alive c=32", "start 2"));
            Assert.Equal("45.0", starts.Cell("gateway-none keep-alive c=32", "all starts"));
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(merged, "bench.json")));
            Assert.Equal(2, json.RootElement.GetProperty("starts").GetInt32());
            Assert.Equal([1, 1, 2, 2], json.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("start").GetInt32()));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<IReadOnlyList<MarkdownTable>> ReportAsync(params string[] runs) =>
        MarkdownTable.All(await ReportTextAsync(runs));

    private static Task<string> ReportTextAsync(params string[] runs) => ReportTextAsync([], runs);

    private static async Task<string> ReportTextAsync(string[] options, params string[] runs)
    {
        var directory = Path.Combine(Path.GetTempPath(), "bench-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            return await WriteReportAsync(directory, options, runs);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>bench-report.py over <paramref name="runs"/> into <paramref name="directory"/>; returns its bench.md.</summary>
    private static async Task<string> WriteReportAsync(string directory, string[] options, params string[] runs)
    {
        Directory.CreateDirectory(directory);
        var results = Path.Combine(directory, "results.jsonl");
        await File.WriteAllLinesAsync(results, runs);
        var run = await Script.RunAsync(
            "python3",
            ["load-tests/bench-report.py", results, directory, "--rounds", "1", "--duration", "5", "--warmup", "10", "--rate", "0", .. options],
            TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, $"bench-report.py exited {run.ExitCode}: {run.Stderr}");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "bench.json")));
        Assert.Equal(runs.Length, json.RootElement.GetProperty("runs").GetArrayLength());
        return await File.ReadAllTextAsync(Path.Combine(directory, "bench.md"));
    }

    /// <summary>A 5 s wrk run on 32 keep-alive connections (or <paramref name="connections"/>), with bench.sh's fields (100 CPU ticks a second).</summary>
    private static string Closed(string proxy, int requestsPerSecond, double p99Ms, double cpuMicrosPerRequest, int connections = 32) =>
        Run(proxy, "closed", requestsPerSecond, p99Ms, cpuMicrosPerRequest, accepted: connections, connections);

    /// <summary>A 5 s wrk run with `Connection: close` on 32 connections, one accepted connection per request.</summary>
    private static string Fresh(string proxy, int connectionsPerSecond, double cpuMicrosPerConnection) =>
        Run(proxy, "new-connections", connectionsPerSecond, 10.0, cpuMicrosPerConnection, accepted: connectionsPerSecond * 5);

    /// <summary>A 5 s wrk run of the valid clients of a JWT proxy in one round, at 32 connections.</summary>
    private static string Flooded(string proxy, int round, double p99Ms) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"round":{{round}},"proxy":"{{proxy}}","model":"closed","connections":32,"requests":100000,"seconds":5.0,"errors":0,"p50_us":1000,"p99_us":{{p99Ms * 1000}},"cpu_ticks":500,"ticks_per_second":100,"peak_rss_kib":100000,"accepted":32,"flood_requests":7000,"flood_seconds":6}""");

    /// <summary>A 5 s keep-alive wrk run at 32 connections, 20,000 requests/s, in one round of one process start.</summary>
    private static string Started(string proxy, int start, int round, double cpuMicrosPerRequest) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"start":{{start}},"round":{{round}},"proxy":"{{proxy}}","model":"closed","connections":32,"requests":100000,"seconds":5.0,"errors":0,"p50_us":1000,"p99_us":3000,"cpu_ticks":{{Math.Round(cpuMicrosPerRequest * 10)}},"ticks_per_second":100,"peak_rss_kib":100000,"accepted":32}""");

    private static string Run(string proxy, string model, int perSecond, double p99Ms, double cpuMicros, int accepted, int connections = 32)
    {
        var requests = perSecond * 5;
        var ticks = Math.Round(cpuMicros * requests / 1e6 * 100);
        return string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"round":1,"proxy":"{{proxy}}","model":"{{model}}","connections":{{connections}},"requests":{{requests}},"seconds":5.0,"errors":0,"p50_us":1000,"p99_us":{{p99Ms * 1000}},"cpu_ticks":{{ticks}},"ticks_per_second":100,"peak_rss_kib":100000,"accepted":{{accepted}}}""");
    }
}
