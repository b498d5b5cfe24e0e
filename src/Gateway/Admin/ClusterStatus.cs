using Gateway.Failover;
using Gateway.Health;
using Gateway.Resilience;
using Gateway.Shedding;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy;

namespace Gateway.Admin;

/// <summary>The body of <c>GET /admin/clusters</c>: what each cluster and destination looks like right now.</summary>
/// <remarks>
/// With <c>Gateway:Shedding</c> enabled: <see cref="ConcurrencyLimit"/> (the adaptive limit now),
/// <see cref="InFlight"/> (requests admitted under it), <see cref="Queued"/> (waiting for a slot), <see cref="ClientsRetry"/>
/// (how its refused clients were last seen retrying), <see cref="QueueWaitSeconds"/> (the longest wait in the queue
/// that follows from it) and <see cref="FindingCapacity"/> (the limit still in slow start); otherwise null.
/// </remarks>
internal sealed record ClusterStatus(
    string Id,
    string? LoadBalancingPolicy,
    string? FailoverPolicy,
    string? ResiliencePolicy,
    int DestinationCount,
    int AvailableCount,
    bool Panic,
    IReadOnlyList<RegionStatus> Regions,
    IReadOnlyList<DestinationStatus> Destinations)
{
    public int? ConcurrencyLimit { get; init; }

    public int? InFlight { get; init; }

    public int? Queued { get; init; }

    public string? ClientsRetry { get; init; }

    public double? QueueWaitSeconds { get; init; }

    public bool? FindingCapacity { get; init; }

    public static IReadOnlyList<ClusterStatus> From(IProxyStateLookup state, FailoverRouter router, OutlierTracker outliers, ResilienceRegistry resilience, SheddingRegistry shedding)
    {
        var result = new List<ClusterStatus>();
        foreach (var cluster in state.GetClusters())
        {
            var config = cluster.Model.Config;
            var available = cluster.DestinationsState.AvailableDestinations;
            var plan = router.GetPlan(cluster);
            var policy = resilience.Get(cluster);
            var destinations = new List<DestinationStatus>();
            foreach (var (id, destination) in cluster.Destinations)
            {
                var circuit = policy?.FindCircuit(destination);
                destinations.Add(DestinationStatus.From(id, destination, available, outliers, router.SlowStartWeight(cluster, destination)) with
                {
                    Circuit = policy is null ? null : ResilienceMetrics.StateName(circuit?.State ?? Polly.CircuitBreaker.CircuitState.Closed),
                    CircuitOpenUntil = circuit?.OpenUntil,
                });
            }

            var regions = new List<RegionStatus>();
            foreach (var region in plan.Regions)
            {
                if (region.Name.Length > 0)
                {
                    regions.Add(new RegionStatus(region.Name, Math.Round(region.Load, 4), region.Healthy, region.Total, region.Drained, region.Recovering));
                }
            }

            destinations.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
            var shedder = shedding.Get(cluster);
            result.Add(new ClusterStatus(
                cluster.ClusterId,
                config.LoadBalancingPolicy,
                Metadata(config.Metadata, FailoverConstants.PolicyMetadataKey),
                Metadata(config.Metadata, ResilienceConstants.PolicyMetadataKey),
                destinations.Count,
                available.Count,
                plan.Panic,
                regions,
                destinations)
            {
                ConcurrencyLimit = shedder?.Limit.Current,
                InFlight = shedder?.InFlight,
                Queued = shedder?.Queued,
                ClientsRetry = shedder?.ClientsRetry,
                QueueWaitSeconds = shedder?.QueueWaitNow.TotalSeconds,
                FindingCapacity = shedder?.Limit.FindingCapacity,
            });
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return result;
    }

    internal static string? Metadata(IReadOnlyDictionary<string, string>? metadata, string key) =>
        metadata is not null && metadata.TryGetValue(key, out var value) ? value : null;
}

/// <summary>One region of a cluster with a failover policy.</summary>
/// <param name="Share">The share of the cluster's traffic it carries now, 0 to 1.</param>
/// <param name="Recovering">Waiting out its failback delay or ramping up (slow start).</param>
internal sealed record RegionStatus(string Name, double Share, int Healthy, int Total, bool Drained, bool Recovering);

/// <summary>One destination in <see cref="ClusterStatus"/>.</summary>
/// <param name="Health">
/// <c>healthy</c>, <c>unhealthy</c> or <c>unknown</c>: unhealthy when either the active probe or passive
/// observation says so, healthy when one says healthy and neither says unhealthy.
/// </param>
/// <param name="Available">Whether load balancing may pick it now.</param>
/// <param name="InFlight">Requests being proxied to it now.</param>
/// <param name="Ejections">Times outlier detection ejected it.</param>
/// <param name="EjectedUntil">When its current ejection ends; null when not ejected.</param>
/// <param name="SlowStartWeight">Its ramp after coming back, 0 to 1 (1 when not ramping).</param>
/// <remarks>
/// <see cref="Circuit"/>: <c>closed</c>, <c>open</c>, <c>half_open</c> (its probe is out, or the next request is the probe) or <c>isolated</c>; null
/// when the cluster has no resilience policy. <see cref="CircuitOpenUntil"/>: when the current break ends.
/// </remarks>
internal sealed record DestinationStatus(
    string Id,
    string Address,
    string? Region,
    string Health,
    string ActiveHealth,
    string PassiveHealth,
    bool Available,
    int InFlight,
    long Ejections,
    DateTimeOffset? EjectedUntil,
    double SlowStartWeight)
{
    public string? Circuit { get; init; }

    public DateTimeOffset? CircuitOpenUntil { get; init; }

    public static DestinationStatus From(string id, DestinationState destination, IReadOnlyList<DestinationState> available, OutlierTracker outliers, double slowStartWeight)
    {
        var active = destination.Health.Active;
        var passive = destination.Health.Passive;
        var health = active == DestinationHealth.Unhealthy || passive == DestinationHealth.Unhealthy ? "unhealthy"
            : active == DestinationHealth.Healthy || passive == DestinationHealth.Healthy ? "healthy"
            : "unknown";
        return new DestinationStatus(
            id,
            destination.Model.Config.Address,
            ClusterStatus.Metadata(destination.Model.Config.Metadata, FailoverConstants.RegionMetadataKey),
            health,
            Lower(active),
            Lower(passive),
            Contains(available, destination),
            destination.ConcurrentRequestCount,
            outliers.TotalEjections(destination),
            outliers.EjectedUntil(destination),
            Math.Round(slowStartWeight, 4));
    }

    private static string Lower(DestinationHealth health) => health switch
    {
        DestinationHealth.Healthy => "healthy",
        DestinationHealth.Unhealthy => "unhealthy",
        _ => "unknown",
    };

    private static bool Contains(IReadOnlyList<DestinationState> list, DestinationState item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (ReferenceEquals(list[i], item))
            {
                return true;
            }
        }

        return false;
    }
}
