using Gateway.Telemetry;
using Gateway.Utilities;

namespace Gateway.Configuration;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.ConfigApplied, Level = LogLevel.Information, Message = "Configuration revision {Revision} applied: {RouteCount} routes, {ClusterCount} clusters")]
    public static partial void ConfigApplied(ILogger logger, long revision, int routeCount, int clusterCount);

    [LoggerMessage(EventId = EventIds.ConfigRejected, Level = LogLevel.Error, Message = "Configuration rejected with {ErrorCount} error(s); revision {Revision} keeps serving")]
    public static partial void ConfigRejected(ILogger logger, int errorCount, long revision);

    [LoggerMessage(EventId = EventIds.ConfigError, Level = LogLevel.Error, Message = "Configuration error at {Path}: {Reason}")]
    public static partial void ConfigError(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = EventIds.RestartRequired, Level = LogLevel.Warning, Message = "{Key} changed; it is read at start-up and takes effect after a restart")]
    public static partial void RestartRequired(ILogger logger, string key);

    [LoggerMessage(EventId = EventIds.ReloadFailed, Level = LogLevel.Error, Message = "Configuration reload failed unexpectedly; the last good config keeps serving")]
    public static partial void ReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.ProxyApplyFailed, Level = LogLevel.Error, Message = "YARP could not apply a validated configuration; it keeps its previous routes")]
    public static partial void ProxyApplyFailed(ILogger logger, Exception exception);
}
