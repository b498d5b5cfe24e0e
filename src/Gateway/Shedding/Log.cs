namespace Gateway.Shedding;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Load shedding for cluster {Cluster} started: limit {MinLimit} until the no-load latency is measured, then {InitialLimit} (bounds {MinLimit} to {MaxLimit})")]
    public static partial void ShedderStarted(ILogger logger, string cluster, int minLimit, int initialLimit, int maxLimit);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Load shedding for cluster {Cluster} turned off")]
    public static partial void ShedderStopped(ILogger logger, string cluster);
}
