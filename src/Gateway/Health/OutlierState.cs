namespace Gateway.Health;

/// <summary>
/// Outlier bookkeeping for one destination. Counters are updated with Interlocked; an ejection is decided under its
/// cluster's lock (<see cref="OutlierTracker.TryEject"/>).
/// </summary>
internal sealed class OutlierState
{
    public int ConsecutiveFailures;

    /// <summary>Ejections in the current streak; drives the growing ejection time.</summary>
    public int StreakEjections;

    public long TotalEjections;

    /// <summary>TimeProvider timestamp when the current or last ejection ends; 0 when never ejected.</summary>
    public long EjectedUntil;
}
