using Gateway.Telemetry;

namespace Gateway.AccessLog;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.AccessLogWriteFailed, Level = LogLevel.Warning, Message = "Access log: writing to {Output} failed; {Lines} line(s) dropped")]
    public static partial void WriteFailed(ILogger logger, string output, int lines, Exception exception);
}
