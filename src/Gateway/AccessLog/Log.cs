using Gateway.Telemetry;

namespace Gateway.AccessLog;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.AccessLogWriteFailed, Level = LogLevel.Warning, Message = "Access log: writing to {Output} failed; {Lines} line(s) dropped")]
    public static partial void WriteFailed(ILogger logger, string output, int lines, Exception exception);

    [LoggerMessage(EventId = EventIds.AccessLogReopened, Level = LogLevel.Information, Message = "Access log: {Path} was rotated away; writing to a new file at that path")]
    public static partial void Reopened(ILogger logger, string path);

    [LoggerMessage(EventId = EventIds.AccessLogReopenFailed, Level = LogLevel.Warning, Message = "Access log: {Path} was rotated away but cannot be opened again; still writing to the old file")]
    public static partial void ReopenFailed(ILogger logger, string path, Exception exception);
}
