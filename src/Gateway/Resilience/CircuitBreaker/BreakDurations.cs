namespace Gateway.Resilience;

/// <summary>The arithmetic of the growing break, kept pure so it can be tested without time or traffic.</summary>
internal static class BreakDurations
{
    /// <summary>
    /// The break after <paramref name="failedProbes"/> half-open probes failed in a row (0 when the circuit opens from
    /// closed): <paramref name="breakDuration"/> doubled per failed probe, at most <paramref name="maxBreakDuration"/>.
    /// </summary>
    public static TimeSpan Next(TimeSpan breakDuration, TimeSpan maxBreakDuration, int failedProbes)
    {
        var ticks = breakDuration.Ticks * Math.Pow(2, Math.Clamp(failedProbes, 0, 62));
        return ticks >= maxBreakDuration.Ticks ? maxBreakDuration : TimeSpan.FromTicks((long)ticks);
    }
}
