using Gateway.Telemetry;

namespace Gateway.Redis;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.RedisConnecting, Level = LogLevel.Information, Message = "Redis for global rate limits: connection created (connected now: {Connected})")]
    public static partial void RedisConnecting(ILogger logger, bool connected);

    [LoggerMessage(EventId = EventIds.RedisConfigurationFailed, Level = LogLevel.Error, Message = "Redis configuration for global rate limits is unusable; all limits stay local")]
    public static partial void RedisConfigurationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.RedisConnectionFailed, Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} failed ({FailureType}); global limits fall back to this instance's share")]
    public static partial void RedisConnectionFailed(ILogger logger, System.Net.EndPoint? endPoint, StackExchange.Redis.ConnectionFailureType failureType);

    [LoggerMessage(EventId = EventIds.RedisConnectionRestored, Level = LogLevel.Information, Message = "Redis connection to {EndPoint} restored")]
    public static partial void RedisConnectionRestored(ILogger logger, System.Net.EndPoint? endPoint);

    [LoggerMessage(EventId = EventIds.RedisCircuitOpened, Level = LogLevel.Warning, Message = "Redis circuit opened for {BreakDuration} ({Reason}); global limits fall back to this instance's share")]
    public static partial void RedisCircuitOpened(ILogger logger, TimeSpan breakDuration, string reason);

    [LoggerMessage(EventId = EventIds.RedisCircuitClosed, Level = LogLevel.Information, Message = "Redis circuit closed; global limits are shared again")]
    public static partial void RedisCircuitClosed(ILogger logger);

    [LoggerMessage(EventId = EventIds.LiveInstancesChanged, Level = LogLevel.Information, Message = "{LiveInstances} live gateway instance(s) share global rate limits")]
    public static partial void LiveInstancesChanged(ILogger logger, int liveInstances);

    [LoggerMessage(EventId = EventIds.RedisRestartRequired, Level = LogLevel.Warning, Message = "Gateway:Redis changed; it is read at start-up and takes effect after a restart")]
    public static partial void RedisRestartRequired(ILogger logger);
}
