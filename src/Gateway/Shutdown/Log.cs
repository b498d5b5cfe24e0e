using Gateway.Telemetry;

namespace Gateway.Shutdown;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.DrainStarted, Level = LogLevel.Information, Message = "Stopping: draining for {DrainDelay}; /readyz answers 503 and HTTP/1.1 answers close their connections")]
    public static partial void DrainStarted(ILogger logger, TimeSpan drainDelay);

    [LoggerMessage(EventId = EventIds.DrainDelayOver, Level = LogLevel.Information, Message = "Drain delay over: the listeners close; requests in flight have {Timeout} to finish")]
    public static partial void DrainDelayOver(ILogger logger, TimeSpan timeout);
}
