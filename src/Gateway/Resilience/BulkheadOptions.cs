namespace Gateway.Resilience;

/// <summary>
/// The cluster's concurrency limit: <c>Gateway:Resilience:Policies:&lt;name&gt;:Bulkhead</c>. Beyond it (and beyond
/// the queue, when there is one) the client gets 503 <c>overloaded</c> at once, so one slow cluster cannot take the
/// sockets and threads the others need.
/// </summary>
public sealed record BulkheadOptions
{
    /// <summary>Requests in flight to the cluster at once, per gateway instance. Default 1000, range 1 to 100000.</summary>
    public int MaxConcurrentRequests { get; init; } = ResilienceConstants.DefaultMaxConcurrentRequests;

    /// <summary>Requests that may wait for a slot, oldest first. Default 0 (refuse at once), range 0 to 100000.</summary>
    public int QueueLimit { get; init; }

    /// <summary>
    /// The longest a request waits in the queue before it is refused, and never longer than its timeout. Default 1 s,
    /// range 1 ms to 10 min. Used only when <see cref="QueueLimit"/> is above 0.
    /// </summary>
    public TimeSpan QueueTimeout { get; init; } = ResilienceConstants.DefaultQueueTimeout;
}
