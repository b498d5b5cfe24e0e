using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.RateLimiting;
using Gateway.Proxy;
using Polly;
using Polly.Timeout;
using Yarp.ReverseProxy.Model;

namespace Gateway.CircuitBreaking;

/// <summary>
/// The cluster-wide part of a resilience policy, around everything else a request does: it takes a bulkhead slot
/// (503 <c>overloaded</c> at once when none is free), counts the request for the retry budget, and runs the rest under
/// the total timeout (504 <c>upstream-timeout</c>). While the rest runs, <see cref="HttpContext.RequestAborted"/> is
/// the timeout's token, so the forwarder cancels the backend request when the time is up.
/// </summary>
internal sealed class ResilienceMiddleware(RequestDelegate next, ResilienceRegistry registry, GatewayResponseWriter writer, ResilienceMetrics metrics, TimeProvider time)
{
    private static readonly ConditionalWeakTable<RouteModel, RouteTimeout> s_routeTimeouts = new();

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        if (proxy.Route.Cluster is not { } cluster || registry.Get(cluster) is not { } resilience)
        {
            return next(context);
        }

        return InvokeAsync(context, proxy.Route, resilience);
    }

    private async Task InvokeAsync(HttpContext context, RouteModel route, ClusterResilience resilience)
    {
        var timeout = RouteTimeoutOf(route) ?? resilience.Options.Timeout;
        var lease = resilience.Bulkhead.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            lease = await WaitInQueueAsync(context, resilience, timeout);
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                metrics.BulkheadRejected(resilience.ClusterId);
                await writer.WriteAsync(
                    context,
                    ResilienceProblems.Overloaded,
                    RetryAfter.Jittered(ResilienceConstants.OverloadedRetryAfterMinSeconds, ResilienceConstants.OverloadedRetryAfterMaxSeconds));
                return;
            }
        }

        using (lease)
        {
            // Only admitted requests earn retries: a refused one must not grow the budget of a cluster in trouble.
            resilience.Budget.RecordRequest();
            var clientAborted = context.RequestAborted;
            if (IsUpgrade(context))
            {
                // A WebSocket lives as long as its conversation: a total or attempt timeout would cut it. YARP's
                // ActivityTimeout (idle time) bounds it instead.
                timeout = System.Threading.Timeout.InfiniteTimeSpan;
            }

            var deadline = timeout == System.Threading.Timeout.InfiniteTimeSpan ? long.MaxValue : time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
            var feature = new ResilienceFeature(resilience, timeout, deadline, clientAborted);
            context.Features.Set(feature);
            var polly = ResilienceContextPool.Shared.Get(clientAborted);
            polly.Properties.Set(ResilienceFeature.PropertyKey, feature);
            try
            {
                var outcome = await resilience.TotalPipeline.ExecuteOutcomeAsync(
                    static (polly, state) => state.Self.RunAsync(polly, state.Context),
                    polly,
                    (Self: this, Context: context));
                await FinishAsync(context, resilience, outcome);
            }
            finally
            {
                context.RequestAborted = clientAborted;
                ResilienceContextPool.Shared.Return(polly);
            }
        }
    }

    private async ValueTask<Outcome<bool>> RunAsync(ResilienceContext polly, HttpContext context)
    {
        var saved = context.RequestAborted;
        context.RequestAborted = polly.CancellationToken;
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestAborted = saved;
        }

        // The timeout strategy turns a cancellation it caused into TimeoutRejectedException.
        return polly.CancellationToken.IsCancellationRequested
            ? Outcome.FromException<bool>(new OperationCanceledException(polly.CancellationToken))
            : Outcome.FromResult(true);
    }

    private Task FinishAsync(HttpContext context, ClusterResilience resilience, Outcome<bool> outcome)
    {
        switch (outcome.Exception)
        {
            case null:
                return Task.CompletedTask;
            case TimeoutRejectedException:
                metrics.TimedOut(resilience.ClusterId, "total");
                if (context.Response.HasStarted)
                {
                    // Part of the response went out; the client must not mistake the rest for a whole answer.
                    context.Abort();
                    return Task.CompletedTask;
                }

                return writer.WriteAsync(context, GatewayProblem.UpstreamTimeout);
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                // The client went away; nobody is left to answer.
                return Task.CompletedTask;
            case var exception:
                ExceptionDispatchInfo.Throw(exception);
                return Task.CompletedTask;
        }
    }

    private async ValueTask<RateLimitLease> WaitInQueueAsync(HttpContext context, ClusterResilience resilience, TimeSpan timeout)
    {
        var bulkhead = resilience.Options.Bulkhead;
        if (bulkhead.MaxQueue == 0)
        {
            return FailedLease.Instance;
        }

        using var queueTimeout = new CancellationTokenSource(bulkhead.QueueTimeout < timeout ? bulkhead.QueueTimeout : timeout, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, queueTimeout.Token);
        try
        {
            return await resilience.Bulkhead.AcquireAsync(1, wait.Token);
        }
        catch (OperationCanceledException)
        {
            return FailedLease.Instance;
        }
    }

    private static bool IsUpgrade(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>()?.IsUpgradableRequest == true ||
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;

    private static TimeSpan? RouteTimeoutOf(RouteModel route)
    {
        if (route.Config.Metadata is null)
        {
            return null;
        }

        return s_routeTimeouts.GetValue(route, static r => new RouteTimeout(ReadRouteTimeout(r.Config.Metadata))).Value;
    }

    /// <summary>A route's <c>Metadata.Timeout</c> (validated as a TimeSpan when the config was loaded).</summary>
    internal static TimeSpan? ReadRouteTimeout(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null &&
        metadata.TryGetValue(ResilienceConstants.RouteTimeoutMetadataKey, out var text) &&
        TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private sealed record RouteTimeout(TimeSpan? Value);

    private sealed class FailedLease : RateLimitLease
    {
        public static readonly FailedLease Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
