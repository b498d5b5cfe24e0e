using Gateway.Telemetry;

namespace Gateway.Streaming;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.WebSocketsClosing, Level = LogLevel.Information, Message = "Drain: closing {Count} WebSockets with 1001 Going Away")]
    public static partial void WebSocketsClosing(ILogger logger, int count);

    [LoggerMessage(EventId = EventIds.WebSocketIdle, Level = LogLevel.Debug, Message = "WebSocket silent for {Idle}: closing it with 1001 Going Away")]
    public static partial void WebSocketIdle(ILogger logger, TimeSpan idle);
}
