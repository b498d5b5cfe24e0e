using Gateway.Health;
using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>
/// The routing state of one cluster: its current <see cref="RegionPlan"/> and the history a plan is built from
/// (regions recovering, destinations in slow start). Requests read the plan without a lock; the rare rebuild takes one.
/// </summary>
internal sealed class ClusterRouting
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RegionHistory> _regions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<DestinationState, long> _availableSince = [];
    private HashSet<DestinationState>? _lastAvailable;
    private HashSet<string> _lastDrained = new(StringComparer.OrdinalIgnoreCase);
    private RegionPlan? _plan;

    public RegionPlan? Current => Volatile.Read(ref _plan);

    public RegionPlan GetPlan(ClusterState cluster, in PlanInputs inputs)
    {
        var plan = Volatile.Read(ref _plan);
        if (plan is not null && IsCurrent(plan, cluster, inputs))
        {
            return plan;
        }

        lock (_gate)
        {
            plan = _plan;
            if (plan is null || !IsCurrent(plan, cluster, inputs))
            {
                plan = Build(cluster, inputs);
                Volatile.Write(ref _plan, plan);
            }

            return plan;
        }
    }

    /// <summary>When the destination came back into service, if it is still in slow start.</summary>
    public double SlowStartWeight(DestinationState destination, in PlanInputs inputs)
    {
        lock (_gate)
        {
            return _availableSince.TryGetValue(destination, out var since) && inputs.Policy is { SlowStart: var slowStart } && slowStart > TimeSpan.Zero
                ? Math.Min(1, inputs.Time.GetElapsedTime(since, inputs.Now) / slowStart)
                : 1;
        }
    }

    /// <summary>
    /// The current plan if nothing it was built from has changed, else null: what a request needs to know before any
    /// input of a rebuild is gathered. The clock is read only for a plan that expires (a ramp, evidence followed).
    /// </summary>
    public RegionPlan? CurrentFor(ClusterState cluster, long drainVersion, long revision, TimeProvider time)
    {
        var plan = Volatile.Read(ref _plan);
        return plan is not null &&
            IsCurrentAsBuilt(plan, cluster, drainVersion, revision) &&
            (plan.ValidUntil == long.MaxValue || time.GetTimestamp() < plan.ValidUntil)
            ? plan
            : null;
    }

    private static bool IsCurrent(RegionPlan plan, ClusterState cluster, in PlanInputs inputs) =>
        IsCurrentAsBuilt(plan, cluster, inputs.DrainVersion, inputs.Revision) &&
        inputs.Now < plan.ValidUntil;

    private static bool IsCurrentAsBuilt(RegionPlan plan, ClusterState cluster, long drainVersion, long revision) =>
        ReferenceEquals(plan.Source, cluster.DestinationsState) &&
        ReferenceEquals(plan.Model, cluster.Model) &&
        plan.DrainVersion == drainVersion &&
        plan.Revision == revision;

    private RegionPlan Build(ClusterState cluster, in PlanInputs inputs)
    {
        var state = cluster.DestinationsState;
        var policy = inputs.Policy;
        var now = inputs.Now;
        var rampUntil = long.MaxValue;

        TrackReturningDestinations(state.AvailableDestinations, policy, inputs);

        var names = policy is null ? [string.Empty] : policy.Regions;
        var routes = new RegionRoute[names.Count];
        var all = new List<DestinationState>[names.Count];
        var healthy = new List<DestinationState>[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            all[i] = [];
            healthy[i] = [];
        }

        var available = new HashSet<DestinationState>(state.AvailableDestinations);
        var evidenceInUse = false;
        foreach (var destination in state.AllDestinations)
        {
            var index = policy is null ? 0 : IndexOf(names, Region(destination));
            if (index < 0)
            {
                continue;
            }

            all[index].Add(destination);
            if (available.Contains(destination))
            {
                healthy[index].Add(destination);
            }
            else if (IsServingDespiteProbes(destination, inputs))
            {
                // Its probes failed, but requests it served lately say otherwise: an overloaded backend answers its
                // queue before the probe behind it, so the probe times out while traffic is served.
                healthy[index].Add(destination);
                evidenceInUse = true;
            }
        }

        Span<double> capacities = stackalloc double[names.Count];
        Span<double> loads = stackalloc double[names.Count];
        var drained = new bool[names.Count];
        var recovering = new bool[names.Count];
        var drainedNow = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            drained[i] = policy is not null && inputs.Drains.Contains(names[i]);
            var fraction = all[i].Count == 0 ? 0 : healthy[i].Count / (double)all[i].Count;
            var capacity = RegionLoads.Capacity(fraction, policy?.MinHealthyFraction ?? 0);
            if (policy is not null)
            {
                var history = History(names[i]);
                if (drained[i])
                {
                    drainedNow.Add(names[i]);
                    capacity = 0;
                }
                else
                {
                    if (_lastDrained.Contains(names[i]))
                    {
                        history.Undrained(now, inputs.Time, policy.FailbackDelay);
                    }

                    capacity = history.Apply(capacity, now, inputs.Time, policy.FailbackDelay, policy.SlowStart);
                    recovering[i] = history.Recovering;
                    if (history.Recovering && capacity >= 0)
                    {
                        rampUntil = Math.Min(rampUntil, now + Ticks(inputs.Time, FailoverConstants.RampStep));
                    }
                }
            }

            capacities[i] = capacity;
        }

        _lastDrained = drainedNow;
        RegionLoads.Compute(capacities, loads);

        // Panic mode (Health/PanicMode) decides which destinations and when; region choice only applies it.
        var candidates = new List<DestinationState>[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            candidates[i] = PanicMode.Candidates(all[i], inputs.Evidence);
        }

        // No region can carry anything: the first region in order that has a destination still taking connections gets
        // the traffic instead of every request being refused.
        if (PanicMode.CoversNoneHealthy(inputs.PanicThreshold) && !AnyLoad(loads))
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (!drained[i] && candidates[i].Count > 0)
                {
                    loads[i] = 1;
                    break;
                }
            }
        }

        // Panic over the regions that carry traffic: spread over all their candidates.
        int carryingHealthy = 0, carryingTotal = 0;
        for (var i = 0; i < names.Count; i++)
        {
            if (loads[i] > 0)
            {
                carryingHealthy += healthy[i].Count;
                carryingTotal += all[i].Count;
            }
        }

        var panic = PanicMode.Applies(carryingHealthy, carryingTotal, inputs.PanicThreshold);
        evidenceInUse |= panic;

        var anySlowStart = false;
        for (var i = 0; i < names.Count; i++)
        {
            var full = (panic ? candidates[i] : healthy[i]).ToArray();
            var settled = full;
            var weight = 1.0;
            if (policy is { SlowStart: var slowStart } && slowStart > TimeSpan.Zero && _availableSince.Count > 0)
            {
                var settledList = new List<DestinationState>(full.Length);
                foreach (var destination in full)
                {
                    if (_availableSince.TryGetValue(destination, out var since))
                    {
                        weight = Math.Min(weight, inputs.Time.GetElapsedTime(since, now) / slowStart);
                    }
                    else
                    {
                        settledList.Add(destination);
                    }
                }

                if (settledList.Count != full.Length)
                {
                    settled = [.. settledList];
                    anySlowStart = true;
                }
            }

            var others = new List<DestinationState>();
            for (var j = 0; j < names.Count; j++)
            {
                if (j != i && !drained[j])
                {
                    others.AddRange(healthy[j]);
                }
            }

            routes[i] = new RegionRoute
            {
                Name = names[i],
                Load = loads[i],
                Capacity = capacities[i],
                Healthy = healthy[i].Count,
                Total = all[i].Count,
                Drained = drained[i],
                Recovering = recovering[i],
                Full = full,
                Settled = settled,
                ReturningWeight = weight,
                Others = [.. others],
            };
        }

        if (anySlowStart)
        {
            rampUntil = Math.Min(rampUntil, now + Ticks(inputs.Time, FailoverConstants.RampStep));
        }

        if (evidenceInUse)
        {
            // Evidence changes without YARP's health state changing: follow it.
            rampUntil = Math.Min(rampUntil, now + Ticks(inputs.Time, HealthConstants.EvidenceRecheck));
        }

        var passthrough = policy is null && !evidenceInUse;
        return new RegionPlan(routes, panic, passthrough, rampUntil, state, cluster.Model, inputs.DrainVersion, inputs.Revision);
    }

    private static bool IsServingDespiteProbes(DestinationState destination, in PlanInputs inputs) =>
        inputs.Evidence is { } evidence &&
        destination.Health.Active == DestinationHealth.Unhealthy &&
        destination.Health.Passive != DestinationHealth.Unhealthy &&
        evidence.IsServing(destination, inputs.Now);

    private static bool AnyLoad(ReadOnlySpan<double> loads)
    {
        foreach (var load in loads)
        {
            if (load > 0)
            {
                return true;
            }
        }

        return false;
    }

    private void TrackReturningDestinations(IReadOnlyList<DestinationState> available, FailoverPolicyOptions? policy, in PlanInputs inputs)
    {
        var current = new HashSet<DestinationState>(available);
        if (policy is { SlowStart: var slowStart } && slowStart > TimeSpan.Zero && _lastAvailable is not null)
        {
            foreach (var destination in current)
            {
                if (!_lastAvailable.Contains(destination))
                {
                    _availableSince[destination] = inputs.Now;
                }
            }
        }

        foreach (var (destination, since) in _availableSince)
        {
            if (!current.Contains(destination) || policy is null || inputs.Time.GetElapsedTime(since, inputs.Now) >= policy.SlowStart)
            {
                _availableSince.Remove(destination);
            }
        }

        _lastAvailable = current;
    }

    private RegionHistory History(string region)
    {
        if (!_regions.TryGetValue(region, out var history))
        {
            history = new RegionHistory();
            _regions[region] = history;
        }

        return history;
    }

    private static int IndexOf(IReadOnlyList<string> names, string? region)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], region, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    internal static string? Region(DestinationState destination) =>
        destination.Model.Config.Metadata is { } metadata && metadata.TryGetValue(FailoverConstants.RegionMetadataKey, out var region) ? region : null;

    private static long Ticks(TimeProvider time, TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}

/// <summary>What a plan is built from, besides the cluster itself.</summary>
internal readonly record struct PlanInputs(
    FailoverPolicyOptions? Policy,
    double PanicThreshold,
    System.Collections.Immutable.ImmutableHashSet<string> Drains,
    long DrainVersion,
    long Revision,
    long Now,
    TimeProvider Time,
    ServingEvidence? Evidence = null);
