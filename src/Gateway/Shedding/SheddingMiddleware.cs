using System.Runtime.CompilerServices;
using Gateway.Answers;
using Gateway.Failover;
using Gateway.Resilience;
using Gateway.Utilities;
using Yarp.ReverseProxy.Model;

namespace Gateway.Shedding;

/// <summary>
/// Admission to the route's cluster under its adaptive concurrency limit, by the route's priority. A refused request
/// gets 503 <c>overloaded</c> with a paced <c>Retry-After</c> before anything touches a backend or reads its body; an
/// admitted one's backend latency feeds the limit (<see cref="SheddingAttemptTimer"/>).
/// </summary>
internal sealed class SheddingMiddleware(RequestDelegate next, SheddingRegistry registry, FailoverRouter router, GatewayResponseWriter writer, SheddingMetrics metrics, TimeProvider time)
{
    private static readonly ConditionalWeakTable<RouteModel, StrongBox<RequestPriority>> s_priorities = new();

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.ProxyFeature().Route;
        if (route.Cluster is not { } cluster || registry.Get(cluster) is not { } shedder || UpgradeRequest.IsForwardedAsUpgrade(context))
        {
            // A WebSocket holds its slot for its whole conversation and its "latency" says nothing about load.
            return next(context);
        }

        // A storm's refusals are remembered by connection until their Retry-After is up: is this one of them, retried
        // at once, or back when it was told?
        var refusedBefore = shedder.Habit.Watching ? shedder.Habit.Arrived(context.Connection.Id, route, time.GetTimestamp()) : 0;

        var priority = PriorityOf(route);
        if (shedder.TryEnter(priority))
        {
            return RunAsync(context, shedder, priority);
        }

        // Saturated: a region that carries no traffic now and has room takes the excess rather than the queue. Not
        // while the first baseline is measured, when the limit is pinned low on purpose.
        if (!shedder.Limit.MeasuringBaseline && router.SpillTarget(cluster, shedder.Limit.Current) is { } spill)
        {
            ProxyRequestState.Of(context).Spill = spill;
            return next(context);
        }

        return WaitAsync(context, shedder, route, priority, refusedBefore);
    }

    private async Task WaitAsync(HttpContext context, ClusterShedder shedder, RouteModel route, RequestPriority priority, int refusedBefore)
    {
        // Read here, not on the way in: only a request that must wait has a use for its client's deadline.
        var arrived = time.GetTimestamp();
        var refused = await shedder.EnterAsync(priority, ClientDeadline.Of(context.Request), refusedBefore, context.RequestAborted);
        metrics.TimeInQueue(shedder.ClusterId, priority, refused, time.GetElapsedTime(arrived).TotalSeconds);
        if (refused is null)
        {
            await RunAsync(context, shedder, priority);
            return;
        }

        metrics.Rejected(shedder.ClusterId, refused, priority);
        if (refused == SheddingReasons.ClientGone)
        {
            return;
        }

        var now = time.GetTimestamp();
        var retryAfter = shedder.Pacer.Rejected(now, priority);
        shedder.Habit.Refused(context.Connection.Id, route, now, retryAfter, refusedBefore + 1);
        metrics.RetryAfter(shedder.ClusterId, priority, retryAfter);
        await writer.WriteAsync(context, GatewayProblem.Overloaded, RetryAfter.Format(retryAfter));
    }

    private async Task RunAsync(HttpContext context, ClusterShedder shedder, RequestPriority priority)
    {
        // For the shedding transforms, which time each attempt for the limit.
        var state = ProxyRequestState.Of(context);
        state.Shedder = shedder;
        // The forwarder-error step comes next in the path; its answer rides on this await (one pass instead of two).
        state.ForwarderErrorsAnswered = true;
        // So are the retries, unless the total timeout (between the two) ran them already, inside its time.
        state.RetryHost = true;
        try
        {
            await next(context);
            await RetryMiddleware.AfterFirstAttemptAsync(context, state);

            await ForwarderErrorMiddleware.AnswerAsync(context, writer);
        }
        finally
        {
            shedder.Exit(priority);
        }
    }

    private static RequestPriority PriorityOf(RouteModel route) =>
        route.Config.Metadata is null
            ? RequestPriority.Default
            : s_priorities.GetValue(route, static r => new StrongBox<RequestPriority>(RequestPriorities.Parse(r.Config.Metadata))).Value;
}
