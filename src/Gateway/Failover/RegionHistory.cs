namespace Gateway.Failover;

/// <summary>
/// Remembers that a region lost capacity, so that when it recovers its traffic returns only after
/// <c>FailbackDelay</c> and then ramps up over <c>SlowStart</c>, instead of flapping back at full weight.
/// Not thread-safe: used under its cluster's plan lock.
/// </summary>
internal sealed class RegionHistory
{
    private bool _degraded;
    private double _held = 1;
    private long _recoveredAt;

    /// <summary>Whether the region is waiting out its failback delay or ramping up.</summary>
    public bool Recovering => _degraded;

    /// <summary>The capacity to use now, given the capacity measured now.</summary>
    /// <param name="capacity">From <see cref="RegionLoads.Capacity"/>: 1 when healthy enough.</param>
    public double Apply(double capacity, long now, TimeProvider time, TimeSpan failbackDelay, TimeSpan slowStart)
    {
        if (capacity < 1)
        {
            // While degraded the region never gets more than its worst: a half-recovered region is not trusted yet.
            _held = _degraded ? Math.Min(_held, capacity) : capacity;
            _degraded = true;
            _recoveredAt = 0;
            return _held;
        }

        if (!_degraded)
        {
            return 1;
        }

        if (_recoveredAt == 0)
        {
            _recoveredAt = now;
        }

        var since = time.GetElapsedTime(_recoveredAt, now);
        if (since < failbackDelay)
        {
            return _held;
        }

        var ramp = since - failbackDelay;
        if (ramp < slowStart)
        {
            return _held + ((1 - _held) * (ramp / slowStart));
        }

        _degraded = false;
        _held = 1;
        return 1;
    }

    /// <summary>An operator undrained the region: no failback delay, but a slow start from zero.</summary>
    public void Undrained(long now, TimeProvider time, TimeSpan failbackDelay)
    {
        _degraded = true;
        _held = 0;
        // Backdate recovery so the failback delay is already over and the ramp starts now.
        _recoveredAt = now - (long)(failbackDelay.TotalSeconds * time.TimestampFrequency);
    }
}
