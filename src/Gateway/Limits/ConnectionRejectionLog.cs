using System.Net;

namespace Gateway.Limits;

/// <summary>
/// Logs the proxy connections closed at once: the first rejection at once, then at most one line per limit per
/// <see cref="LimitsConstants.RejectionLogInterval"/> carrying the count since the previous line. A storm rejects
/// thousands of connections a second, and a line for each would cost more than the rejection itself.
/// </summary>
/// <remarks>Rejections after the last line of a storm are counted in the next line, whenever that comes.</remarks>
internal sealed class ConnectionRejectionLog
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _interval;
    private readonly Throttle[] _throttles = [new(), new(), new(), new()];

    public ConnectionRejectionLog(TimeProvider time, ILogger<ProxyConnectionLimit> logger)
    {
        _time = time;
        _logger = logger;
        _interval = (long)(LimitsConstants.RejectionLogInterval.TotalSeconds * time.TimestampFrequency);
    }

    public void Rejected(ConnectionRejection reason, EndPoint? remoteEndPoint)
    {
        var throttle = _throttles[(int)reason];
        Interlocked.Increment(ref throttle.Pending);
        var now = _time.GetTimestamp();
        var due = Volatile.Read(ref throttle.DueAt);
        if (now < due || Interlocked.CompareExchange(ref throttle.DueAt, now + _interval, due) != due)
        {
            return;
        }

        Log.ConnectionsRejected(_logger, Interlocked.Exchange(ref throttle.Pending, 0), LimitKey(reason), remoteEndPoint);
    }

    private static string LimitKey(ConnectionRejection reason) => reason switch
    {
        ConnectionRejection.MaxConnections => LimitsConstants.SectionPath + ":MaxConcurrentConnections",
        ConnectionRejection.ConnectionRate => LimitsConstants.SectionPath + ":MaxNewConnectionsPerSecond",
        _ => LimitsConstants.SectionPath + ":MaxNewConnectionsPerSecondPerClient",
    };

    private sealed class Throttle
    {
        public long Pending;
        public long DueAt = long.MinValue;
    }
}
