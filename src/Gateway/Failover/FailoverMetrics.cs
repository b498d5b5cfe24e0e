using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Failover;

internal sealed class FailoverMetrics
{
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _failbacks;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _panics;

    public FailoverMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(TelemetryConstants.MeterName);
        _failovers = Meter.CreateCounter<long>(
            "gateway.failover.failovers",
            unit: "{failover}",
            description: "Times a cluster's main traffic moved away from its most preferred region.");
        _failbacks = Meter.CreateCounter<long>(
            "gateway.failover.failbacks",
            unit: "{failback}",
            description: "Times a cluster's main traffic returned to its most preferred region.");
        _retries = Meter.CreateCounter<long>(
            "gateway.failover.retries",
            unit: "{retry}",
            description: "Failed attempts retried on another destination, by cluster and reason (connect, timeout, status_502, status_503).");
        _panics = Meter.CreateCounter<long>(
            "gateway.health.panics",
            unit: "{panic}",
            description: "Times a cluster entered panic mode (routing to all destinations because too few are healthy).");
    }

    /// <summary>The meter, for the observable gauges registered with the router.</summary>
    public Meter Meter { get; }

    public void Retried(string cluster, string reason)
    {
        if (_retries.Enabled)
        {
            _retries.Add(1, new KeyValuePair<string, object?>(MetricTags.Cluster, cluster), new KeyValuePair<string, object?>(MetricTags.Reason, reason));
        }
    }

    public void PlanChanged(string cluster, RegionPlan? before, RegionPlan after)
    {
        var tag = new KeyValuePair<string, object?>(MetricTags.Cluster, cluster);
        if (after.Panic && before?.Panic != true)
        {
            _panics.Add(1, tag);
        }

        if (before is null || after.Regions.Length < 2)
        {
            return;
        }

        var preferred = after.Regions[0].Name;
        var wasPreferred = string.Equals(before.ActiveRegion?.Name, preferred, StringComparison.OrdinalIgnoreCase);
        var isPreferred = string.Equals(after.ActiveRegion?.Name, preferred, StringComparison.OrdinalIgnoreCase);
        if (wasPreferred && !isPreferred)
        {
            _failovers.Add(1, tag);
        }
        else if (!wasPreferred && isPreferred)
        {
            _failbacks.Add(1, tag);
        }
    }
}
