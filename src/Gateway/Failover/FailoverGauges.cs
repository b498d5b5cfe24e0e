using Gateway.Health;
using Gateway.Telemetry;

namespace Gateway.Failover;

/// <summary>Observable gauges read from the routers' current plans at collection time, not on the request path.</summary>
internal sealed class FailoverGauges
{
    public FailoverGauges(FailoverMetrics metrics, FailoverRouter router, OutlierTracker outliers)
    {
        metrics.Meter.CreateObservableGauge(
            "gateway.failover.active_region",
            () => RegionShares(router),
            unit: "1",
            description: "Share of a cluster's traffic each region carries now (0 to 1).");
        metrics.Meter.CreateObservableGauge(
            "gateway.health.panic",
            () => router.Plans().Select(p => new System.Diagnostics.Metrics.Measurement<int>(
                p.Plan.Panic ? 1 : 0, new KeyValuePair<string, object?>(MetricTags.Cluster, p.Cluster.ClusterId))),
            unit: "1",
            description: "1 while a cluster is in panic mode, else 0.");
        metrics.Meter.CreateObservableGauge(
            "gateway.health.destinations",
            () => Destinations(router, outliers),
            unit: "{destination}",
            description: "Destinations per cluster by state: available (may be picked), unavailable (failed health checks), ejected (outlier detection).");
    }

    private static IEnumerable<System.Diagnostics.Metrics.Measurement<double>> RegionShares(FailoverRouter router)
    {
        foreach (var (cluster, plan) in router.Plans())
        {
            foreach (var region in plan.Regions)
            {
                if (region.Name.Length > 0)
                {
                    yield return new(region.Load, new KeyValuePair<string, object?>(MetricTags.Cluster, cluster.ClusterId), new KeyValuePair<string, object?>(MetricTags.Region, region.Name));
                }
            }
        }
    }

    private static IEnumerable<System.Diagnostics.Metrics.Measurement<int>> Destinations(FailoverRouter router, OutlierTracker outliers)
    {
        foreach (var (cluster, _) in router.Plans())
        {
            int available = cluster.DestinationsState.AvailableDestinations.Count, ejected = 0;
            foreach (var destination in cluster.Destinations.Values)
            {
                if (outliers.IsEjected(destination))
                {
                    ejected++;
                }
            }

            var unavailable = cluster.Destinations.Count - available - ejected;
            var tag = new KeyValuePair<string, object?>(MetricTags.Cluster, cluster.ClusterId);
            yield return new(available, tag, new KeyValuePair<string, object?>(MetricTags.State, "available"));
            yield return new(Math.Max(0, unavailable), tag, new KeyValuePair<string, object?>(MetricTags.State, "unavailable"));
            yield return new(ejected, tag, new KeyValuePair<string, object?>(MetricTags.State, "ejected"));
        }
    }
}
