namespace Gateway.Health;

/// <summary>Outlier bookkeeping for one destination. Counters are updated with Interlocked; ejection under the lock.</summary>
internal sealed class OutlierState
{
    public int ConsecutiveFailures;

    /// <summary>Ejections in the current streak; drives the growing ejection time.</summary>
    public int StreakEjections;

    public long TotalEjections;

    /// <summary>TimeProvider timestamp when the current or last ejection ends; 0 when never ejected.</summary>
    public long EjectedUntil;

    public readonly Lock Gate = new();
}
