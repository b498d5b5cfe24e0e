using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Model;

namespace Gateway.Health;

/// <summary>
/// Outlier state per destination, keyed weakly by YARP's <see cref="DestinationState"/> so a destination removed by a
/// reload takes its state with it, and one kept across a reload keeps its history.
/// </summary>
internal sealed class OutlierTracker(TimeProvider time)
{
    private readonly ConditionalWeakTable<DestinationState, OutlierState> _states = new();

    // One ejection decision at a time per cluster: the cap counts the other destinations' ejections, so two
    // destinations decided at once could each count the other as not ejected yet.
    private readonly ConditionalWeakTable<ClusterState, Lock> _clusterGates = new();

    public OutlierState Get(DestinationState destination) =>
        _states.GetValue(destination, static _ => new OutlierState());

    public bool IsEjected(DestinationState destination) =>
        _states.TryGetValue(destination, out var state) && Volatile.Read(ref state.EjectedUntil) > time.GetTimestamp();

    /// <summary>When the destination's ejection ends, or null when it is not ejected now.</summary>
    public DateTimeOffset? EjectedUntil(DestinationState destination)
    {
        if (!_states.TryGetValue(destination, out var state))
        {
            return null;
        }

        var remaining = Volatile.Read(ref state.EjectedUntil) - time.GetTimestamp();
        return remaining > 0 ? time.GetUtcNow() + TimeSpan.FromSeconds(remaining / (double)time.TimestampFrequency) : null;
    }

    public long TotalEjections(DestinationState destination) =>
        _states.TryGetValue(destination, out var state) ? Interlocked.Read(ref state.TotalEjections) : 0;

    /// <summary>
    /// Ejects <paramref name="destination"/> (which reached its failure threshold) unless it is ejected already or
    /// one more ejection would take the cluster over <see cref="OutlierDetectionOptions.MaxEjectionPercent"/>.
    /// </summary>
    public EjectionDecision TryEject(ClusterState cluster, DestinationState destination, OutlierDetectionOptions options)
    {
        var state = Get(destination);
        lock (_clusterGates.GetValue(cluster, static _ => new Lock()))
        {
            var now = time.GetTimestamp();
            if (state.EjectedUntil > now)
            {
                return new EjectionDecision(EjectionOutcome.AlreadyEjected, 0, TimeSpan.Zero, state.StreakEjections);
            }

            var ejected = 0;
            foreach (var other in cluster.Destinations.Values)
            {
                if (!ReferenceEquals(other, destination) && IsEjected(other))
                {
                    ejected++;
                }
            }

            if (!EjectionMath.MayEject(ejected, cluster.Destinations.Count, options.MaxEjectionPercent))
            {
                return new EjectionDecision(EjectionOutcome.Capped, ejected, TimeSpan.Zero, state.StreakEjections);
            }

            if (state.EjectedUntil != 0 && EjectionMath.ShouldForgetEjections(options, time.GetElapsedTime(state.EjectedUntil, now)))
            {
                state.StreakEjections = 0;
            }

            state.StreakEjections++;
            state.TotalEjections++;
            var ejectionTime = EjectionMath.EjectionTime(options, state.StreakEjections);
            Volatile.Write(ref state.EjectedUntil, now + (long)(ejectionTime.TotalSeconds * time.TimestampFrequency));
            Volatile.Write(ref state.ConsecutiveFailures, 0);
            return new EjectionDecision(EjectionOutcome.Ejected, ejected, ejectionTime, state.StreakEjections);
        }
    }
}
