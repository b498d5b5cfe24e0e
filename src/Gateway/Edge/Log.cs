using System.Net;

namespace Gateway.Edge;

internal static partial class Log
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Refused a request from {RemoteAddress} before routing: {Problem}")]
    public static partial void RequestRefused(ILogger logger, string problem, IPAddress? remoteAddress);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Closed {Count} proxy connections at once over {LimitKey} since the last report; the last from {RemoteEndPoint}")]
    public static partial void ConnectionsRejected(ILogger logger, long count, string limitKey, EndPoint? remoteEndPoint);
}
