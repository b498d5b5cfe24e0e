using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Health;

internal sealed class HealthMetrics
{
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _ejectionsSkipped;

    public HealthMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _ejections = meter.CreateCounter<long>(
            "gateway.health.ejections",
            unit: "{ejection}",
            description: "Destinations ejected by outlier detection, by cluster.");
        _ejectionsSkipped = meter.CreateCounter<long>(
            "gateway.health.ejections_skipped",
            unit: "{ejection}",
            description: "Ejections not made because the cluster already had its maximum share ejected.");
    }

    public void Ejected(string cluster)
    {
        if (_ejections.Enabled)
        {
            _ejections.Add(1, new KeyValuePair<string, object?>(MetricTags.Cluster, cluster));
        }
    }

    public void EjectionSkipped(string cluster)
    {
        if (_ejectionsSkipped.Enabled)
        {
            _ejectionsSkipped.Add(1, new KeyValuePair<string, object?>(MetricTags.Cluster, cluster));
        }
    }
}
