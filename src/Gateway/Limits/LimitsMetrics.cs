using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Limits;

/// <summary>The edge's instruments, on the <c>Gateway</c> meter.</summary>
internal sealed class LimitsMetrics
{

    private readonly Counter<long> _rejectedConnections;

    public LimitsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _rejectedConnections = meter.CreateCounter<long>(
            "gateway.edge.rejected_connections",
            unit: "{connection}",
            description: "Proxy connections closed at once, by the Gateway:Limits limit that closed them: MaxConcurrentConnections (max_connections), MaxNewConnectionsPerSecond (connection_rate) or MaxNewConnectionsPerSecondPerClient (client_connection_rate).");
    }

    public void ConnectionRejected(ConnectionRejection reason)
    {
        if (_rejectedConnections.Enabled)
        {
            _rejectedConnections.Add(1, new KeyValuePair<string, object?>(MetricTags.ConnectionReason, ReasonTagValue(reason)));
        }
    }

    /// <summary>The <see cref="MetricTags.ConnectionReason"/> value of <paramref name="reason"/>.</summary>
    public static string ReasonTagValue(ConnectionRejection reason) => reason switch
    {
        ConnectionRejection.MaxConnections => "max_connections",
        ConnectionRejection.ConnectionRate => "connection_rate",
        ConnectionRejection.ClientConnectionRate => "client_connection_rate",
        _ => "none",
    };
}
