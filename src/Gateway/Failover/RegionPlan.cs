using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>
/// An immutable routing plan for one cluster, rebuilt only when health, drains or configuration change (or every
/// ramp step while something recovers). Picking from it costs two random numbers and no allocation.
/// </summary>
internal sealed class RegionPlan
{
    private readonly double[] _cumulative;

    public RegionPlan(RegionRoute[] regions, bool panic, bool passthrough, long validUntil, ClusterDestinationsState source, ClusterModel model, long drainVersion, long revision)
    {
        Regions = regions;
        Panic = panic;
        Passthrough = passthrough;
        ValidUntil = validUntil;
        Source = source;
        Model = model;
        DrainVersion = drainVersion;
        Revision = revision;
        _cumulative = new double[regions.Length];
        var sum = 0.0;
        for (var i = 0; i < regions.Length; i++)
        {
            sum += regions[i].Load;
            _cumulative[i] = sum;
        }
    }

    public RegionRoute[] Regions { get; }

    /// <summary>Too few healthy destinations were left, so the plan routes to all of them.</summary>
    public bool Panic { get; }

    /// <summary>Nothing to narrow: YARP's own available destinations are used as they are.</summary>
    public bool Passthrough { get; }

    /// <summary>TimeProvider timestamp after which the plan must be rebuilt; <see cref="long.MaxValue"/> for never.</summary>
    public long ValidUntil { get; }

    public ClusterDestinationsState Source { get; }

    public ClusterModel Model { get; }

    public long DrainVersion { get; }

    public long Revision { get; }

    /// <summary>The region carrying the most traffic, or null when none carries any.</summary>
    public RegionRoute? ActiveRegion
    {
        get
        {
            RegionRoute? best = null;
            foreach (var region in Regions)
            {
                if (region.Load > 0 && (best is null || region.Load > best.Load))
                {
                    best = region;
                }
            }

            return best;
        }
    }

    /// <param name="regionDraw">Uniform in [0, 1): which region.</param>
    /// <param name="slowStartDraw">Uniform in [0, 1): whether slow-starting destinations take part.</param>
    public IReadOnlyList<DestinationState> Pick(double regionDraw, double slowStartDraw)
    {
        for (var i = 0; i < _cumulative.Length; i++)
        {
            var region = Regions[i];
            if (region.Load > 0 && regionDraw < _cumulative[i])
            {
                return region.Settled.Length == 0 || slowStartDraw < region.ReturningWeight ? region.Full : region.Settled;
            }
        }

        // Rounding can leave the draw just above the last sum; the last region with traffic takes it.
        for (var i = Regions.Length - 1; i >= 0; i--)
        {
            if (Regions[i].Load > 0)
            {
                return Regions[i].Full;
            }
        }

        return [];
    }

    /// <summary>The region a destination belongs to, or null when it is not part of the plan.</summary>
    public RegionRoute? RegionOf(string? regionName)
    {
        foreach (var region in Regions)
        {
            if (string.Equals(region.Name, regionName ?? string.Empty, StringComparison.OrdinalIgnoreCase) || Regions.Length == 1)
            {
                return region;
            }
        }

        return null;
    }
}
