using Gateway.Telemetry;

namespace Gateway.Shedding;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.ShedderStarted, Level = LogLevel.Information, Message = "Load shedding for cluster {Cluster} started: limit {MinLimit} until the no-load latency is measured, then {InitialLimit} (bounds {MinLimit} to {MaxLimit})")]
    public static partial void ShedderStarted(ILogger logger, string cluster, int minLimit, int initialLimit, int maxLimit);

    [LoggerMessage(EventId = EventIds.ShedderStopped, Level = LogLevel.Information, Message = "Load shedding for cluster {Cluster} turned off")]
    public static partial void ShedderStopped(ILogger logger, string cluster);

    [LoggerMessage(EventId = EventIds.SheddingLimitRestarted, Level = LogLevel.Information, Message = "Cluster {Cluster} is back from an outage (a circuit closed after all were open): its concurrency limit starts over from {InitialLimit} in slow start")]
    public static partial void LimitRestarted(ILogger logger, string cluster, int initialLimit);

    [LoggerMessage(EventId = EventIds.SheddingDestinationShared, Level = LogLevel.Warning, Message = "Cluster {Cluster} shares backend {Address} with cluster {OtherCluster}: each learns its own concurrency limit and orders only its own requests by priority, so under overload one can crowd out the other's critical calls. Send routes that share a backend to one cluster")]
    public static partial void DestinationSharedWithCluster(ILogger logger, string cluster, string address, string otherCluster);

    [LoggerMessage(EventId = EventIds.SheddingRetryHabitChanged, Level = LogLevel.Information, Message = "Cluster {Cluster}: its refused clients {Habit}, so its queue holds a request up to {QueueWait}")]
    public static partial void RetryHabitChanged(ILogger logger, string cluster, string habit, TimeSpan queueWait);

    [LoggerMessage(EventId = EventIds.SheddingWaitersRefused, Level = LogLevel.Debug, Message = "Cluster {Cluster}: {Count} {Priority} waiters refused after waiting up to {WaitedMs:F0} ms, {Why}; {Queued} still queued, {InFlight} in flight, limit {Limit}")]
    public static partial void WaitersRefused(ILogger logger, string cluster, int count, string priority, double waitedMs, string why, int queued, int inFlight, int limit);

    [LoggerMessage(EventId = EventIds.SheddingWaiterTimedOut, Level = LogLevel.Debug, Message = "Cluster {Cluster}: a {Priority} waiter timed out after {WaitedMs:F0} ms; {Queued} still queued, {InFlight} in flight, limit {Limit}")]
    public static partial void WaiterTimedOut(ILogger logger, string cluster, string priority, double waitedMs, int queued, int inFlight, int limit);
}
