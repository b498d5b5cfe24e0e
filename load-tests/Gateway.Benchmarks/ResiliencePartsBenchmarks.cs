using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Gateway.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Yarp.ReverseProxy.Model;

namespace Gateway.Benchmarks;

/// <summary>What each part of the default policy costs on its own, to see where the per-request overhead goes.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ResiliencePartsBenchmarks
{
    private ServiceProvider _services = null!;
    private ClusterResilience _cluster = null!;
    private DestinationCircuit _circuit = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _cluster = new ClusterResilience("c", "p", new ResiliencePolicyOptions(), TimeProvider.System, new ResilienceMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
        _circuit = _cluster.Circuit(new DestinationState("d"));
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    // The callback succeeds (the breaker's Success, the retry's false: nothing to retry), as a proxied request that went well does.
    private static async Task<T> RunAsync<T>(ResiliencePipeline<T> pipeline, T success)
    {
        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(ResilienceScope.PropertyKey, null!);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(static (_, result) => ValueTask.FromResult(Outcome.FromResult(result)), context, success);
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    [Benchmark(Description = "total timeout: rent and return a linked token source")]
    public bool Timeout()
    {
        var (source, link) = TotalTimeout.Rent(_cluster.Options.Timeout, TimeProvider.System, CancellationToken.None);
        var cancelled = source.IsCancellationRequested;
        TotalTimeout.Return(source, link, TimeProvider.System);
        return cancelled;
    }

    [Benchmark(Description = "circuit breaker pipeline")]
    public Task Breaker() => RunAsync(_circuit.Pipeline, AttemptVerdict.Success);

    [Benchmark(Description = "retry pipeline, no retry")]
    public Task<bool> Retry() => RunAsync(_cluster.RetryPipeline!, false);

    [Benchmark(Description = "bulkhead enter + exit")]
    public bool Bulkhead()
    {
        var entered = _cluster.TryEnterBulkhead(out var lease);
        _cluster.ExitBulkhead(lease);
        return entered;
    }

    [Benchmark(Description = "retry budget: count a request")]
    public void Budget() => _cluster.Budget.RecordRequest();
}
