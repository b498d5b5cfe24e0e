using System.Net;

namespace Gateway.Edge;

internal static partial class Log
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Refused a request from {RemoteAddress} before routing: {Problem}")]
    public static partial void RequestRefused(ILogger logger, string problem, IPAddress? remoteAddress);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Debug, Message = "Closed a connection from {RemoteEndPoint}: {Limit} proxy connections are open")]
    public static partial void ConnectionRejected(ILogger logger, EndPoint? remoteEndPoint, long limit);
}
