using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Shedding;

/// <summary>Instruments of load shedding, on the <c>Gateway</c> meter.</summary>
internal sealed class SheddingMetrics
{

    private readonly Meter _meter;
    private readonly Counter<long> _rejections;

    public SheddingMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryConstants.MeterName);
        _rejections = _meter.CreateCounter<long>(
            "gateway.shedding.rejections",
            unit: "{request}",
            description: "Requests refused with 503 overloaded by load shedding, by cluster, reason (backlog, queue_full, queue_timeout, queue_standing, client_gone) and priority.");
    }

    /// <summary>Registers the per-cluster gauges, read from the registry at collection time.</summary>
    public void Observe(SheddingRegistry registry)
    {
        _meter.CreateObservableGauge(
            "gateway.shedding.limit",
            () => Read(registry, static s => s.Limit.Current),
            unit: "{request}",
            description: "The adaptive concurrency limit of each cluster, per gateway instance.");
        _meter.CreateObservableGauge(
            "gateway.shedding.queue_length",
            () => Read(registry, static s => s.Queued),
            unit: "{request}",
            description: "Requests waiting for a slot under each cluster's concurrency limit.");
        _meter.CreateObservableGauge(
            "gateway.shedding.in_flight",
            () => Read(registry, static s => s.InFlight),
            unit: "{request}",
            description: "Requests admitted to each cluster and not yet finished.");
    }

    public void Rejected(string cluster, string reason, RequestPriority priority)
    {
        if (_rejections.Enabled)
        {
            _rejections.Add(
                1,
                new KeyValuePair<string, object?>(MetricTags.Cluster, cluster),
                new KeyValuePair<string, object?>(MetricTags.SheddingReason, reason),
                new KeyValuePair<string, object?>(MetricTags.Priority, RequestPriorities.Name(priority)));
        }
    }

    private static IEnumerable<Measurement<int>> Read(SheddingRegistry registry, Func<ClusterShedder, int> value)
    {
        foreach (var shedder in registry.All())
        {
            yield return new Measurement<int>(value(shedder), new KeyValuePair<string, object?>(MetricTags.Cluster, shedder.ClusterId));
        }
    }
}
