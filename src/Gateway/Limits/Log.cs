using System.Net;
using Gateway.Telemetry;

namespace Gateway.Limits;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.RequestRefused, Level = LogLevel.Debug, Message = "Refused a request from {RemoteAddress} before routing: {Problem}")]
    public static partial void RequestRefused(ILogger logger, string problem, IPAddress? remoteAddress);

    [LoggerMessage(EventId = EventIds.ConnectionsRejected, Level = LogLevel.Warning, Message = "Closed {Count} proxy connections at once over {LimitKey} since the last report; the last from {RemoteEndPoint}")]
    public static partial void ConnectionsRejected(ILogger logger, long count, string limitKey, EndPoint? remoteEndPoint);

    [LoggerMessage(EventId = EventIds.ConnectionCapOverFileLimit, Level = LogLevel.Warning, Message = "Gateway:Limits:MaxConcurrentConnections {Cap} does not leave {Reserve} of the process's open-file limit {Limit} (ulimit -n) for backend connections and files: past that limit accepts fail and new clients wait in the listen queue instead of being closed by the cap. Raise the limit (ulimit -n, LimitNOFILE) or lower the cap")]
    public static partial void ConnectionCapOverFileLimit(ILogger logger, long cap, long limit, long reserve);

    [LoggerMessage(EventId = EventIds.InlineSocketCompletions, Level = LogLevel.Information, Message = "Socket completions run on the socket engine's threads: {Inline} (decided by {DecidedBy})")]
    public static partial void InlineSocketCompletions(ILogger logger, bool inline, string decidedBy);
}
