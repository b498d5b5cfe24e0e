namespace Gateway.Shedding;

/// <summary>
/// Values of the <c>gateway.shedding.reason</c> tag on <c>gateway.shedding.rejections</c>, and with <see cref="Granted"/>
/// of the <c>gateway.shedding.outcome</c> tag on <c>gateway.shedding.time_in_queue</c>.
/// </summary>
internal static class SheddingReasons
{
    /// <summary>The queue was full (or there is none) when the request came over its share of the limit.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>
    /// Refused on arrival: the requests queued ahead of it would not all get a slot within QueueTimeout at the rate
    /// slots free (the limit over the latency of the last window), so waiting would only end in a queue_timeout later;
    /// or not before the deadline its client sent (<c>X-Request-Deadline</c>, <c>grpc-timeout</c>), less the latency.
    /// </summary>
    public const string Backlog = "backlog";

    /// <summary>The request waited QueueTimeout without a slot freeing up for its priority.</summary>
    public const string QueueTimeout = "queue_timeout";

    /// <summary>
    /// The queue stood (had not emptied for StandingQueueInterval) and the request had waited longer than
    /// StandingQueueWait: CoDel's drop, so a standing queue adds little latency and its slots go to newer waiters.
    /// </summary>
    public const string QueueStanding = "queue_standing";

    /// <summary>Not a refusal: the request waited for a slot and got one.</summary>
    public const string Granted = "granted";

    /// <summary>The client went away while waiting; nobody is answered.</summary>
    public const string ClientGone = "client_gone";
}
