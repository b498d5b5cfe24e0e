using Gateway.Telemetry;

namespace Gateway.Resilience;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.CircuitOpened, Level = LogLevel.Warning, Message = "Circuit of destination {Destination} in cluster {Cluster} opened for {BreakDuration}")]
    public static partial void CircuitOpened(ILogger logger, string destination, string cluster, TimeSpan breakDuration);

    [LoggerMessage(EventId = EventIds.CircuitHalfOpened, Level = LogLevel.Information, Message = "Circuit of destination {Destination} in cluster {Cluster} half-open: one probe goes through")]
    public static partial void CircuitHalfOpened(ILogger logger, string destination, string cluster);

    [LoggerMessage(EventId = EventIds.CircuitClosed, Level = LogLevel.Information, Message = "Circuit of destination {Destination} in cluster {Cluster} closed")]
    public static partial void CircuitClosed(ILogger logger, string destination, string cluster);

    [LoggerMessage(EventId = EventIds.ResiliencePolicyRebuilt, Level = LogLevel.Information, Message = "Resilience policy {Policy} of cluster {Cluster} changed; its pipelines were rebuilt and its circuits start closed")]
    public static partial void PolicyRebuilt(ILogger logger, string cluster, string policy);

    [LoggerMessage(EventId = EventIds.CircuitProbeReleased, Level = LogLevel.Information, Message = "Circuit of destination {Destination} in cluster {Cluster} still half-open: the client of its probe went away, so the next request probes")]
    public static partial void CircuitProbeReleased(ILogger logger, string destination, string cluster);
}
