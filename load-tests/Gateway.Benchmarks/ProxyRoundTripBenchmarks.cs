using BenchmarkDotNet.Attributes;
using SampleBackend;

namespace Gateway.Benchmarks;

/// <summary>
/// One GET through the real gateway on loopback to a sample backend (no service time), on a cluster without a
/// resilience policy and on the same destination through the default policy. Shows the policy's cost against the
/// cost of a whole proxied request; loopback noise is of the same order, so read it with the micro benchmark.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes through GlobalCleanup.")]
public class ProxyRoundTripBenchmarks
{
    private SampleBackendHost? _backend;
    private WebApplication? _app;
    private string? _directory;
    private HttpClient _client = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = SampleBackendHost.StartAsync(new SampleBackendOptions([new InstanceSpec("b1", "local", 0)], 256, TimeSpan.Zero, ControlPort: 0)).GetAwaiter().GetResult();
        (_app, _directory) = BenchmarkGateway.StartAsync(_backend.Instances[0].Url).GetAwaiter().GetResult();
        _client = new HttpClient { BaseAddress = BenchmarkGateway.ProxyUrl(_app) };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _app?.StopAsync().GetAwaiter().GetResult();
        (_app as IDisposable)?.Dispose();
        _backend?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task<int> GetAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        return (int)response.StatusCode;
    }

    [Benchmark(Baseline = true, Description = "GET, cluster without policy")]
    public Task<int> NoPolicy() => GetAsync("/plain/x");

    [Benchmark(Description = "GET, default resilience policy")]
    public Task<int> WithPolicy() => GetAsync("/guarded/x");
}
