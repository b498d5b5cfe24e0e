using System.Collections.Immutable;

namespace Gateway.Failover;

/// <summary>
/// Regions an operator has drained: they get no new requests (in-flight ones finish). Read on the request path
/// through an immutable snapshot and a version number, so reads take no lock. <see cref="RegionDrainSync"/> shares
/// the set through Redis when one is configured.
/// </summary>
internal sealed class RegionDrains
{
    private ImmutableHashSet<string> _drained = ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase);
    private long _version;

    /// <summary>Changes whenever the drained set changes; plans compare it to know they are stale.</summary>
    public long Version => Interlocked.Read(ref _version);

    public ImmutableHashSet<string> Drained => Volatile.Read(ref _drained);

    /// <returns>True when the region was not drained before.</returns>
    public bool Drain(string region) => Update(set => set.Add(region));

    /// <returns>True when the region was drained before.</returns>
    public bool Undrain(string region) => Update(set => set.Remove(region));

    /// <summary>Replaces the whole set, as read from the shared store.</summary>
    /// <returns>True when the set changed.</returns>
    public bool Replace(IReadOnlyCollection<string> regions) => Update(set =>
        set.SetEquals(regions) ? set : ImmutableHashSet.CreateRange(StringComparer.OrdinalIgnoreCase, regions));

    private bool Update(Func<ImmutableHashSet<string>, ImmutableHashSet<string>> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref _drained);
            var next = change(current);
            if (ReferenceEquals(next, current))
            {
                return false;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _drained, next, current), current))
            {
                Interlocked.Increment(ref _version);
                return true;
            }
        }
    }
}
