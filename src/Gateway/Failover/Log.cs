using Gateway.Telemetry;

namespace Gateway.Failover;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.DrainsLoaded, Level = LogLevel.Information, Message = "Drained regions from Redis: [{Regions}]")]
    public static partial void DrainsLoaded(ILogger logger, IReadOnlyList<string> regions);

    [LoggerMessage(EventId = EventIds.DrainsNotLoaded, Level = LogLevel.Warning, Message = "Could not read drained regions from Redis: {Reason}")]
    public static partial void DrainsNotLoaded(ILogger logger, string reason);

    [LoggerMessage(EventId = EventIds.DrainNotShared, Level = LogLevel.Warning, Message = "Drain of region {Region} applies to this instance only: Redis did not take it ({Reason})")]
    public static partial void DrainNotShared(ILogger logger, string region, string reason);
}
