using Polly;

namespace Gateway.Resilience;

/// <summary>
/// Per-request resilience state, set by <see cref="ResilienceMiddleware"/> for requests whose cluster has a policy:
/// the cluster's pipelines, the client's own abort token (kept apart from the timeout tokens that replace
/// <see cref="HttpContext.RequestAborted"/> while forwarding) and the deadlines.
/// </summary>
internal sealed class ResilienceScope(ClusterResilience cluster, TimeSpan timeout, long deadline, CancellationToken clientAborted)
{
    public static readonly ResiliencePropertyKey<ResilienceScope> PropertyKey = new("Gateway.Resilience");

    public ClusterResilience Cluster { get; } = cluster;

    /// <summary>The token that fires when the client goes away, and only then.</summary>
    public CancellationToken ClientAborted { get; } = clientAborted;

    /// <summary>
    /// The request's total time budget (the policy's, or the route's override); infinite for an upgraded request
    /// (WebSocket), which then has no attempt timeout and no deadline header either.
    /// </summary>
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>TimeProvider timestamp when the total budget is spent; <see cref="long.MaxValue"/> when unbounded.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>TimeProvider timestamp when the current attempt's budget is spent; <see cref="long.MaxValue"/> when none.</summary>
    public long AttemptDeadline { get; set; } = long.MaxValue;

    /// <summary>
    /// The total timeout's running source, set by <see cref="ResilienceMiddleware"/> while the rest of the pipeline runs
    /// and cleared before the source is given back.
    /// </summary>
    internal CancellationTokenSource? TotalTimer { get; set; }

    /// <summary>
    /// The current attempt's timeout source, set by the circuit-breaker step while the attempt runs and cleared before
    /// the source is given back.
    /// </summary>
    internal CancellationTokenSource? AttemptTimer { get; set; }

    /// <summary>
    /// The backend's response headers arrived and the response goes to the client: the total and attempt timeouts
    /// have done their job and stop, so a stream or a slow download is not cut by them. The body is bounded by the
    /// forwarder's idle timeout instead (the route's <c>Metadata.IdleTimeout</c>, else the cluster's
    /// <c>HttpRequest:ActivityTimeout</c>), which fires only when the backend goes silent.
    /// </summary>
    public void ResponseHeadersArrived()
    {
        TotalTimer?.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
        AttemptTimer?.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the request runs without a time budget (an upgraded request).</summary>
    public bool Unbounded => Deadline == long.MaxValue;

    public static ResilienceScope? From(ResilienceContext context) =>
        context.Properties.TryGetValue(PropertyKey, out var feature) ? feature : null;

    /// <summary>What is left of the total budget at <paramref name="now"/>, never negative.</summary>
    public TimeSpan Remaining(long now, TimeProvider time) =>
        Deadline > now ? TimeSpan.FromSeconds((Deadline - now) / (double)time.TimestampFrequency) : TimeSpan.Zero;

    /// <summary>What is left for the current attempt (the tighter of both budgets), in whole milliseconds.</summary>
    public long RemainingAttemptMilliseconds(long now, TimeProvider time)
    {
        var end = Math.Min(Deadline, AttemptDeadline);
        return end > now ? (end - now) * 1000 / time.TimestampFrequency : 0;
    }
}
