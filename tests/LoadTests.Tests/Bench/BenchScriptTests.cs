using System.Diagnostics;
using System.Text.Json;
using Gateway.FunctionalTests.Fixtures;

namespace LoadTests.Tests.Bench;

/// <summary>
/// Runs load-tests/bench.sh in its quick mode (one second per proxy: a smoke test, not a measurement) and checks the
/// report has a row with numbers for every proxy. The full benchmark is never run here.
/// </summary>
public sealed class BenchScriptTests
{
    private static readonly string[] s_proxies = ["gateway-full", "gateway-none", "yarp", "nginx", "haproxy", "direct"];

    [Fact]
    public async Task QuickRun_ReportsEveryProxyWithNumbers()
    {
        var output = Path.Combine(Path.GetTempPath(), "bench-smoke-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("bash", ["load-tests/bench.sh", "--quick", "--no-build", "--out", output])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"bench.sh exited {process.ExitCode}: {await stderr}");
        var table = await File.ReadAllTextAsync(Path.Combine(output, "bench.md"));
        foreach (var proxy in s_proxies)
        {
            var row = table.Split('\n').SingleOrDefault(l => l.StartsWith($"| {proxy} |", StringComparison.Ordinal));
            Assert.True(row is not null, $"no row for {proxy} in:\n{table}");
            var requestsPerSecond = row.Split('|', StringSplitOptions.TrimEntries)[2];
            Assert.True(double.TryParse(requestsPerSecond.Replace(",", string.Empty, StringComparison.Ordinal), out var rps) && rps > 0, $"{proxy}: {row}");
        }

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "bench.json")));
        var summary = json.RootElement.GetProperty("summary");
        Assert.All(s_proxies, p => Assert.True(summary.TryGetProperty(p, out _), p));
        Assert.True(summary.GetProperty("gateway-full").GetProperty("cpu_us_per_request").GetDouble() > 0);
        Assert.Contains("bench.md", await stderr, StringComparison.Ordinal);
        _ = await stdout;
        Directory.Delete(output, recursive: true);
    }
}
