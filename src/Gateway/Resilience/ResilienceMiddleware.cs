using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Gateway.Answers;
using Gateway.Grpc;
using Gateway.Utilities;
using Yarp.ReverseProxy.Model;

namespace Gateway.Resilience;

/// <summary>
/// The cluster-wide part of a resilience policy, around everything else a request does: it takes a bulkhead slot
/// (503 <c>overloaded</c> at once when none is free), counts the request for the retry budget, and runs the rest under
/// the total timeout (504 <c>upstream-timeout</c>), which runs until the backend's response headers arrive (see
/// <see cref="ResilienceScope.ResponseHeadersArrived"/>), or for a gRPC call until it ends: a gRPC client's deadline
/// covers the whole call. While the rest runs, <see cref="HttpContext.RequestAborted"/> is the timeout's token, so the
/// forwarder cancels the backend request when the time is up. The client's own deadline (<see cref="ClientDeadline"/>:
/// <c>X-Request-Deadline</c>, or a gRPC call's <c>grpc-timeout</c>) is the total timeout when it is the tighter one,
/// and a gRPC call cut mid-stream ends with DEADLINE_EXCEEDED rather than a reset stream.
/// </summary>
internal sealed class ResilienceMiddleware(RequestDelegate next, ResilienceRegistry registry, GatewayResponseWriter writer, ResilienceMetrics metrics, TimeProvider time)
{
    private static readonly ConditionalWeakTable<RouteModel, RouteTimeout> s_routeTimeouts = new();

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.ProxyFeature();
        if (proxy.Route.Cluster is not { } cluster || registry.Get(cluster) is not { } resilience)
        {
            return next(context);
        }

        return InvokeAsync(context, proxy.Route, resilience);
    }

    private Task InvokeAsync(HttpContext context, RouteModel route, ClusterResilience resilience)
    {
        var timeout = RouteTimeoutOf(route) ?? resilience.Options.Timeout;
        var clientBudget = ClientDeadline.Of(context.Request);
        if (clientBudget != System.Threading.Timeout.InfiniteTimeSpan && clientBudget < timeout)
        {
            // A deadline already spent still gets one attempt's worth of nothing: the smallest timeout there is.
            timeout = clientBudget < ResilienceConstants.MinTimeout ? ResilienceConstants.MinTimeout : clientBudget;
        }

        return resilience.TryEnterBulkhead(out var lease)
            ? RunAdmittedAsync(context, resilience, timeout, lease)
            : WaitOrRefuseAsync(context, resilience, timeout);
    }

    private async Task WaitOrRefuseAsync(HttpContext context, ClusterResilience resilience, TimeSpan timeout)
    {
        var lease = await WaitInQueueAsync(context, resilience, timeout);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            metrics.BulkheadRejected(resilience.ClusterId);
            await writer.WriteAsync(
                context,
                GatewayProblem.Overloaded,
                RetryAfter.Jittered(ResilienceConstants.OverloadedRetryAfterMinSeconds, ResilienceConstants.OverloadedRetryAfterMaxSeconds));
            return;
        }

        await RunAdmittedAsync(context, resilience, timeout, lease);
    }

    /// <summary>
    /// The rest of the pipeline for a request holding a bulkhead slot, under the total timeout: the timeout's token
    /// replaces <see cref="HttpContext.RequestAborted"/> meanwhile. The timeout is the gateway's own rather than a
    /// Polly pipeline's: with nothing else in that pipeline, Polly's context, properties and state machines were a
    /// tenth of the bytes a request allocated, for the same linked, pooled token source done here.
    /// </summary>
    private async Task RunAdmittedAsync(HttpContext context, ClusterResilience resilience, TimeSpan timeout, RateLimitLease? lease)
    {
        try
        {
            // One clock read for the budget's bucket and the deadline.
            var now = time.GetTimestamp();
            // Only admitted requests earn retries: a refused one must not grow the budget of a cluster in trouble.
            resilience.Budget.RecordRequest(now);
            var clientAborted = context.RequestAborted;
            if (UpgradeRequest.IsForwardedAsUpgrade(context))
            {
                // A WebSocket lives as long as its conversation: a total or attempt timeout would cut it. YARP's
                // ActivityTimeout (idle time) bounds it instead.
                timeout = System.Threading.Timeout.InfiniteTimeSpan;
            }

            var deadline = timeout == System.Threading.Timeout.InfiniteTimeSpan ? long.MaxValue : now + (long)(timeout.TotalSeconds * time.TimestampFrequency);
            var state = ProxyRequestState.Of(context);
            var scope = new ResilienceScope(resilience, timeout, deadline, clientAborted);
            state.Resilience = scope;
            if (clientAborted.IsCancellationRequested)
            {
                // The client is gone already; nobody is left to answer.
                return;
            }

            if (timeout <= TimeSpan.Zero || timeout == System.Threading.Timeout.InfiniteTimeSpan)
            {
                try
                {
                    await next(context);
                }
                catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
                {
                    // The client went away; nobody is left to answer.
                }

                return;
            }

            var (source, link) = TotalTimeout.Rent(timeout, time, clientAborted);
            scope.TotalTimer = source;
            bool timedOut;
            context.RequestAborted = source.Token;
            var grpcReset = GrpcDeadlineReset.Install(context, source.Token, clientAborted);
            // The retries run inside the total timeout: this await hosts them (see ProxyRequestState.RetryHost).
            state.RetryHost = true;
            try
            {
                await next(context);
                await RetryMiddleware.AfterFirstAttemptAsync(context, state);
                timedOut = source.IsCancellationRequested && !clientAborted.IsCancellationRequested;
            }
            catch (OperationCanceledException) when (source.IsCancellationRequested)
            {
                // The timeout's own cancellation, or the client went away (then nobody is left to answer). Any other
                // exception goes on up.
                timedOut = !clientAborted.IsCancellationRequested;
            }
            finally
            {
                // Whatever ended the attempts (the timeout among them), no step outside may retry past the total time.
                RetryMiddleware.Disown(state);
                context.RequestAborted = clientAborted;
                grpcReset?.Uninstall(context);
                scope.TotalTimer = null;
                TotalTimeout.Return(source, link, time);
            }

            if (!timedOut)
            {
                return;
            }

            metrics.TimedOut(resilience.ClusterId, "total");
            if (context.Response.HasStarted)
            {
                // Part of the response went out: a gRPC call ends with its status, anything else is cut off.
                writer.EndStarted(context, GatewayProblem.UpstreamTimeout);
                return;
            }

            await writer.WriteAsync(context, GatewayProblem.UpstreamTimeout);
        }
        finally
        {
            resilience.ExitBulkhead(lease);
        }
    }

    private async ValueTask<RateLimitLease> WaitInQueueAsync(HttpContext context, ClusterResilience resilience, TimeSpan timeout)
    {
        var bulkhead = resilience.Options.Bulkhead;
        if (bulkhead.QueueLimit == 0)
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
