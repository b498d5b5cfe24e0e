namespace Gateway.Health;

/// <summary>The arithmetic of outlier ejection, kept pure so it can be tested without time or traffic.</summary>
internal static class EjectionMath
{
    /// <summary>How long the <paramref name="ejectionNumber"/>-th ejection in a row lasts (1 for the first).</summary>
    public static TimeSpan EjectionTime(OutlierDetectionOptions options, int ejectionNumber)
    {
        var factor = Math.Pow(options.EjectionTimeMultiplier, Math.Max(0, ejectionNumber - 1));
        var ticks = options.BaseEjectionTime.Ticks * factor;
        return ticks >= options.MaxEjectionTime.Ticks ? options.MaxEjectionTime : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Whether one more ejection keeps the ejected share within the cap.</summary>
    public static bool MayEject(int alreadyEjected, int destinationCount, int maxEjectionPercent) =>
        destinationCount > 0 && (alreadyEjected + 1) * 100 <= destinationCount * maxEjectionPercent;

    /// <summary>
    /// A destination that has stayed healthy for a whole maximum ejection time since its last ejection starts
    /// over at the base time: the multiplier punishes flapping, not a failure weeks ago.
    /// </summary>
    public static bool ShouldForgetEjections(OutlierDetectionOptions options, TimeSpan sinceLastEjectionEnded) =>
        sinceLastEjectionEnded >= options.MaxEjectionTime;
}
