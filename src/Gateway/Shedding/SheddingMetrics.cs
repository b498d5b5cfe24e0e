using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Shedding;

/// <summary>Instruments of load shedding, on the <c>Gateway</c> meter.</summary>
internal sealed class SheddingMetrics
{
    // Whole seconds, so one bucket per second where pacing spreads a storm, then coarser up to RetryAfterMaxSeconds'
    // ceiling; OpenTelemetry's default boundaries (0, 5, 10, 25, ...) would lump a storm's whole spread together.
    private static readonly InstrumentAdvice<int> s_retryAfterBuckets = new()
    {
        HistogramBucketBoundaries = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 60, 120, 300, 600],
    };

    // From a microsecond's refusal on arrival to QueueTimeout's 2 s: what matters is whether a refusal came within 5 ms
    // or only after a wait, and how long the granted waited.
    private static readonly InstrumentAdvice<double> s_queueTimeBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    };

    private readonly Meter _meter;
    private readonly Counter<long> _rejections;
    private readonly Histogram<int> _retryAfter;
    private readonly Histogram<double> _timeInQueue;

    public SheddingMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(TelemetryConstants.MeterName);
        _rejections = _meter.CreateCounter<long>(
            "gateway.shedding.rejections",
            unit: "{request}",
            description: "Requests refused with 503 overloaded by load shedding, by cluster, reason (backlog, queue_full, queue_timeout, queue_standing, client_gone) and priority.");
        _retryAfter = _meter.CreateHistogram(
            "gateway.shedding.retry_after",
            unit: "s",
            description: "The Retry-After that load shedding's pacer gave each refusal, by cluster and priority: when it sent refused clients back.",
            tags: null,
            advice: s_retryAfterBuckets);
        _timeInQueue = _meter.CreateHistogram(
            "gateway.shedding.time_in_queue",
            unit: "s",
            description: "How long a request that found no free slot spent in load shedding's admission, by cluster, priority and outcome (granted, or the reason it was refused): 0 for one refused on arrival.",
            tags: null,
            advice: s_queueTimeBuckets);
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

    /// <summary>A request that found no free slot left admission after <paramref name="seconds"/>, granted or refused for <paramref name="reason"/>.</summary>
    public void TimeInQueue(string cluster, RequestPriority priority, string? reason, double seconds)
    {
        if (_timeInQueue.Enabled)
        {
            _timeInQueue.Record(
                seconds,
                new KeyValuePair<string, object?>(MetricTags.Cluster, cluster),
                new KeyValuePair<string, object?>(MetricTags.Priority, RequestPriorities.Name(priority)),
                new KeyValuePair<string, object?>(MetricTags.SheddingOutcome, reason ?? SheddingReasons.Granted));
        }
    }

    public void RetryAfter(string cluster, RequestPriority priority, int seconds)
    {
        if (_retryAfter.Enabled)
        {
            _retryAfter.Record(
                seconds,
                new KeyValuePair<string, object?>(MetricTags.Cluster, cluster),
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
