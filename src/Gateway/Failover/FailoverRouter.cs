using Gateway.Utilities;
using System.Runtime.CompilerServices;
using Gateway.Health;
using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>
/// Chooses where a cluster's requests may go: the region plan (failover, failback, slow start, drains, panic) and,
/// for a retry, the destinations other than the one that failed.
/// </summary>
internal sealed class FailoverRouter(IConfigSource config, RegionDrains drains, FailoverMetrics metrics, ServingEvidence evidence, TimeProvider time)
{
    private readonly ConditionalWeakTable<ClusterState, ClusterRouting> _clusters = new();

    public RegionPlan GetPlan(ClusterState cluster)
    {
        var routing = _clusters.GetValue(cluster, static _ => new ClusterRouting());

        // Every request asks; the plan rarely changes. Its inputs (the cluster's policy, two config sections, the drains,
        // the clock) are gathered only when it must be rebuilt.
        if (routing.CurrentFor(cluster, drains.Version, config.Current.Revision, time) is { } current)
        {
            return current;
        }

        var inputs = Inputs(cluster);
        var before = routing.Current;
        var plan = routing.GetPlan(cluster, inputs);
        if (!ReferenceEquals(before, plan))
        {
            metrics.PlanChanged(cluster.ClusterId, before, plan);
        }

        return plan;
    }

    /// <summary>Slow-start weight of a destination (1 when not ramping), for the admin view.</summary>
    public double SlowStartWeight(ClusterState cluster, DestinationState destination) =>
        _clusters.TryGetValue(cluster, out var routing) ? routing.SlowStartWeight(destination, Inputs(cluster)) : 1;

    /// <summary>
    /// Where a failed attempt may be retried: other healthy destinations, preferring other regions when the
    /// failed one's region is degraded or the attempt could not connect at all (a dying region refuses first).
    /// </summary>
    public IReadOnlyList<DestinationState> RetryCandidates(ClusterState cluster, DestinationState? failed, bool connectionFailure)
    {
        var plan = GetPlan(cluster);
        var region = plan.RegionOf(failed is null ? null : ClusterRouting.Region(failed));
        if (region is null)
        {
            return Without(cluster.DestinationsState.AvailableDestinations, failed);
        }

        var same = Without(region.Full, failed);
        var preferOther = connectionFailure || region.Capacity < 1;
        if (preferOther)
        {
            return region.Others.Length > 0 ? region.Others : same;
        }

        return same.Count > 0 ? same : region.Others;
    }

    /// <summary>
    /// Where a request the cluster's admission limit has no slot for may go instead of waiting: the first region in
    /// order that carries no traffic now (so under normal load the policy's order holds), is not drained, has healthy
    /// destinations, and has room, counted as the limit scaled to its destinations against the preferred region's
    /// (<paramref name="limit"/> for the preferred region's destinations) less the requests in flight to it. Null when
    /// the cluster has one region or none has room.
    /// </summary>
    public RegionSpill? SpillTarget(ClusterState cluster, int limit)
    {
        var plan = GetPlan(cluster);
        if (plan.Regions.Length < 2 || plan.Panic || plan.ActiveRegion is not { Full.Length: > 0 } preferred)
        {
            return null;
        }

        foreach (var region in plan.Regions)
        {
            if (region.Load > 0 || region.Drained || region.Full.Length == 0)
            {
                continue;
            }

            var inFlight = 0;
            foreach (var destination in region.Full)
            {
                inFlight += destination.ConcurrentRequestCount;
            }

            if (inFlight < (long)limit * region.Full.Length / preferred.Full.Length)
            {
                return region.Spill ??= new RegionSpill(region.Full);
            }
        }

        return null;
    }

    /// <summary>Every cluster's latest plan, for metrics and the admin view.</summary>
    public IEnumerable<(ClusterState Cluster, RegionPlan Plan)> Plans()
    {
        foreach (var (cluster, routing) in _clusters)
        {
            if (routing.Current is { } plan)
            {
                yield return (cluster, plan);
            }
        }
    }

    private PlanInputs Inputs(ClusterState cluster)
    {
        var snapshot = config.Current;
        FailoverPolicyOptions? policy = null;
        if (cluster.Model.Config.Metadata is { } metadata &&
            metadata.TryGetValue(FailoverConstants.PolicyMetadataKey, out var name))
        {
            snapshot.Section<FailoverOptions>().Policies.TryGetValue(name, out policy);
        }

        return new PlanInputs(policy, snapshot.Section<HealthOptions>().PanicThreshold, drains.Drained, drains.Version, snapshot.Revision, time.GetTimestamp(), time, evidence);
    }

    private static List<DestinationState> Without(IReadOnlyList<DestinationState> destinations, DestinationState? failed)
    {
        var result = new List<DestinationState>(destinations.Count);
        foreach (var destination in destinations)
        {
            if (!ReferenceEquals(destination, failed))
            {
                result.Add(destination);
            }
        }

        return result;
    }
}
