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
}
