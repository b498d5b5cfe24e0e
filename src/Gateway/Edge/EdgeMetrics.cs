using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Edge;

/// <summary>The edge's instruments, on the <c>Gateway</c> meter.</summary>
internal sealed class EdgeMetrics
{
    private readonly Counter<long> _rejectedConnections;

    public EdgeMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _rejectedConnections = meter.CreateCounter<long>(
            "gateway.edge.rejected_connections",
            unit: "{connection}",
            description: "Proxy connections closed at once because Gateway:Limits:MaxConcurrentConnections were open.");
    }

    public void ConnectionRejected()
    {
        if (_rejectedConnections.Enabled)
        {
            _rejectedConnections.Add(1);
        }
    }
}
