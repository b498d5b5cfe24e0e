namespace Gateway.Failover;

/// <summary>
/// Splits traffic over regions in order of preference, as Envoy's priority levels do: a region takes as much of
/// the traffic as its healthy capacity allows and the rest spills to the next one.
/// </summary>
internal static class RegionLoads
{
    /// <summary>
    /// The share of traffic a region can carry: 1 when at least <paramref name="minHealthyFraction"/> of it is
    /// healthy, otherwise in proportion (MinHealthyFraction 0.5 means a region at 25% carries half its traffic).
    /// </summary>
    public static double Capacity(double healthyFraction, double minHealthyFraction)
    {
        if (healthyFraction <= 0)
        {
            return 0;
        }

        return minHealthyFraction <= 0 ? 1 : Math.Min(1, healthyFraction / minHealthyFraction);
    }

    /// <summary>
    /// Fills <paramref name="loads"/> (same order as <paramref name="capacities"/>, most preferred first) with each
    /// region's share of traffic. When all regions together cannot carry everything, the shares are scaled up to
    /// sum to 1; when none has capacity, all are 0.
    /// </summary>
    public static void Compute(ReadOnlySpan<double> capacities, Span<double> loads)
    {
        var remaining = 1.0;
        var total = 0.0;
        for (var i = 0; i < capacities.Length; i++)
        {
            loads[i] = Math.Max(0, Math.Min(remaining, capacities[i]));
            remaining -= loads[i];
            total += loads[i];
        }

        if (total is > 0 and < 1)
        {
            for (var i = 0; i < loads.Length; i++)
            {
                loads[i] /= total;
            }
        }
    }
}
