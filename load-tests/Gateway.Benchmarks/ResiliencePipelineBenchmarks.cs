using BenchmarkDotNet.Attributes;
using Gateway.Resilience;
using Gateway.Failover;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Gateway.Benchmarks;

/// <summary>
/// The per-request cost of a resilience policy in the proxy pipeline, without network: the gateway's real resilience
/// middlewares (bulkhead, total timeout, budgeted retry pipeline, circuit filter, breaker and attempt pipeline)
/// around a forwarder stand-in that answers 200 at once, against the same stand-in with no middleware and against
/// the middlewares on a cluster that has no policy.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ResiliencePipelineBenchmarks
{
    private WebApplication? _app;
    private string? _directory;
    private RequestDelegate _baseline = null!;
    private RequestDelegate _pipeline = null!;
    private RouteModel _plain = null!;
    private RouteModel _guarded = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_app, _directory) = BenchmarkGateway.StartAsync(new Uri("http://127.0.0.1:9/")).GetAwaiter().GetResult();
        var services = _app.Services;
        var lookup = services.GetRequiredService<IProxyStateLookup>();
        if (!lookup.TryGetRoute("plain", out var plain) || !lookup.TryGetRoute("guarded", out var guarded))
        {
            throw new InvalidOperationException("routes not loaded");
        }

        (_plain, _guarded) = (plain, guarded);
        RequestDelegate forwarder = static context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        };

        // Stands in for load balancing: it leaves one destination, as YARP's does.
        RequestDelegate LoadBalancing(RequestDelegate next) => context =>
        {
            var proxy = context.GetReverseProxyFeature();
            proxy.AvailableDestinations = proxy.Route.Cluster!.DestinationsState.AvailableDestinations;
            return next(context);
        };

        _baseline = LoadBalancing(forwarder);
        RequestDelegate breaker = ActivatorUtilities.CreateInstance<CircuitBreakerMiddleware>(services, forwarder).InvokeAsync;
        RequestDelegate filter = ActivatorUtilities.CreateInstance<CircuitFilterMiddleware>(services, LoadBalancing(breaker)).InvokeAsync;
        RequestDelegate retry = ActivatorUtilities.CreateInstance<RetryMiddleware>(services, filter).InvokeAsync;
        _pipeline = ActivatorUtilities.CreateInstance<ResilienceMiddleware>(services, retry).InvokeAsync;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _app?.StopAsync().GetAwaiter().GetResult();
        (_app as IDisposable)?.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static DefaultHttpContext Request(RouteModel route)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        var cluster = route.Cluster!;
        context.Features.Set<IReverseProxyFeature>(new ReverseProxyFeature
        {
            Route = route,
            Cluster = cluster.Model,
            AllDestinations = cluster.DestinationsState.AllDestinations,
            AvailableDestinations = cluster.DestinationsState.AvailableDestinations,
        });
        return context;
    }

    [Benchmark(Baseline = true, Description = "forwarding, no resilience middleware")]
    public Task NoMiddleware() => _baseline(Request(_plain));

    [Benchmark(Description = "resilience middlewares, cluster without policy")]
    public Task MiddlewaresNoPolicy() => _pipeline(Request(_plain));

    [Benchmark(Description = "resilience middlewares, default policy")]
    public Task MiddlewaresWithPolicy() => _pipeline(Request(_guarded));
}
