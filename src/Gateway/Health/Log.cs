using Gateway.Telemetry;

namespace Gateway.Health;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.DestinationEjected, Level = LogLevel.Warning, Message = "Destination {Destination} of cluster {Cluster} ejected for {EjectionTime} after {Failures} consecutive failures (ejection {Streak} in a row)")]
    public static partial void Ejected(ILogger logger, string destination, string cluster, TimeSpan ejectionTime, int failures, int streak);

    [LoggerMessage(EventId = EventIds.EjectionCapped, Level = LogLevel.Warning, Message = "Destination {Destination} of cluster {Cluster} is failing but not ejected: {Ejected} of {Total} destinations are ejected already (cap {MaxPercent}%)")]
    public static partial void EjectionCapped(ILogger logger, string destination, string cluster, int ejected, int total, int maxPercent);
}
