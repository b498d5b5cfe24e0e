using LoadTests.Tests.Fixtures;

namespace LoadTests.Tests.Bench;

/// <summary>
/// load-tests/profile-report.py on made-up perf reports (no load): each sample is charged to the component of its
/// innermost frame, and the table gives CPU µs per request and each gateway's difference to the baseline.
/// </summary>
public sealed class ProfileReportTests
{
    // `perf report --sort dso,sym --show-nr-samples` lines: overhead, samples, dso, [.] or [k], symbol.
    private const string YarpReport = """
             50.00%          1000  [kernel.kallsyms]            [k] finish_task_switch.isra.0
             30.00%           600  [JIT] tid 11                 [.] instance void [Yarp.ReverseProxy] Yarp.ReverseProxy.Forwarder.HttpForwarder+<SendAsync>d__8::MoveNext()[OptimizedTier1]
             20.00%           400  libcoreclr.so                [.] 0x000000000058a535
        """;

    private const string GatewayReport = """
             45.00%          1000  [kernel.kallsyms]            [k] finish_task_switch.isra.0
             27.00%           600  [JIT] tid 12                 [.] instance void [Yarp.ReverseProxy] Yarp.ReverseProxy.Forwarder.HttpForwarder+<SendAsync>d__8::MoveNext()[OptimizedTier1]
             18.00%           400  libcoreclr.so                [.] 0x000000000058a535
              5.00%           100  [JIT] tid 12                 [.] instance void [Gateway] Gateway.Shedding.SheddingMiddleware+<RunAsync>d__10::MoveNext()[OptimizedTier1]
              3.00%            60  [JIT] tid 12                 [.] instance void [OpenTelemetry] OpenTelemetry.Metrics.AggregatorStore::Update(int64,valuetype [System.Runtime]System.ReadOnlySpan`1<valuetype [System.Runtime]System.Collections.Generic.KeyValuePair`2<string,object>>)[OptimizedTier1]
              2.00%            40  [JIT] tid 12                 [.] stub Link<InstantiatingStub>
        """;

    [Fact]
    public async Task Table_ChargesSamplesByComponent_PerRequest_WithTheGatewaysDifference()
    {
        var directory = Path.Combine(Path.GetTempPath(), "profile-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            // 1,000 samples a second; 100,000 requests each: 1 sample = 1 ms, so 1,000 samples = 10 µs per request.
            var runs = Path.Combine(directory, "runs.jsonl");
            await File.WriteAllTextAsync(runs, await RunLineAsync(directory, "yarp-slim", YarpReport) + await RunLineAsync(directory, "gateway-none", GatewayReport));
            var table = await ScriptOutputAsync("--table", runs, "load-tests/profile.sh --test");

            var rows = Assert.Single(MarkdownTable.All(table, firstColumn: "component"));
            Assert.Equal("10.00", rows.Cell("kernel (sockets, scheduling, interrupts)", "yarp-slim"));
            Assert.Equal("6.00", rows.Cell("Yarp.ReverseProxy", "gateway-none"));
            Assert.Equal("+1.00", rows.Cell("Gateway.Shedding", "gateway-none − yarp-slim"));
            Assert.Equal("+0.60", rows.Cell("OpenTelemetry", "gateway-none − yarp-slim"));
            Assert.Equal("+0.40", rows.Cell("runtime stubs (virtual and generic dispatch)", "gateway-none − yarp-slim"));
            Assert.Equal("+0.00", rows.Cell("runtime (libcoreclr: GC, type checks, thread pool)", "gateway-none − yarp-slim"));
            Assert.Equal("**+2.0** (1.10x)", rows.Cell("all samples", "gateway-none − yarp-slim"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> RunLineAsync(string directory, string proxy, string report)
    {
        var path = Path.Combine(directory, proxy + ".txt");
        await File.WriteAllTextAsync(path, report);
        // 100,000 requests, 200 CPU ticks (2 s), sampled at 1,000 Hz.
        return await ScriptOutputAsync("--run", proxy, "1", "100000", "200", "1000", path);
    }

    private static async Task<string> ScriptOutputAsync(params string[] arguments)
    {
        var run = await Script.RunAsync("python3", ["load-tests/profile-report.py", .. arguments], TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, $"profile-report.py exited {run.ExitCode}: {run.Stderr}");
        return run.Stdout;
    }
}
