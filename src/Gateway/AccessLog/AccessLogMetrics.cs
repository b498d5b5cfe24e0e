using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.AccessLog;

internal sealed class AccessLogMetrics
{
    private readonly Counter<long> _dropped;

    public AccessLogMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _dropped = meter.CreateCounter<long>(
            AccessLogConstants.DroppedInstrument,
            unit: "{line}",
            description: "Access log lines dropped because the writer's queue was full or the output failed.");
    }

    public void Dropped(long lines = 1)
    {
        if (_dropped.Enabled)
        {
            _dropped.Add(lines);
        }
    }
}
