namespace Gateway.Shedding;

/// <summary>
/// How late the gateway's own work runs now: the delay between a timer falling due and its callback running on the
/// thread pool, which is how long a request's continuation waits once the backend's answer has arrived. When the
/// gateway is short of CPU this is what inflates its latency samples, not the backend; the adaptive limit subtracts it
/// (<see cref="Discount"/>) so that a starved gateway does not read its backend as slow.
/// </summary>
/// <remarks>
/// Rises to a new sample at once and decays by a quarter of the difference per sample: a starved moment must discount
/// the requests completing in it, and one quick tick must not forget a starvation that is still going on.
/// </remarks>
internal sealed class SchedulingLag
{
    private long _current;

    /// <summary>The lag now, in <see cref="TimeProvider"/> ticks.</summary>
    public long Current => Volatile.Read(ref _current);

    /// <summary>Adds one measured lag; called by one probe at a time.</summary>
    public void Sample(long lag)
    {
        lag = Math.Max(0, lag);
        var previous = Volatile.Read(ref _current);
        Volatile.Write(ref _current, lag >= previous ? lag : previous - ((previous - lag + 3) / 4));
    }

    /// <summary>
    /// The end of an attempt that ran from <paramref name="start"/> to <paramref name="end"/>, less the gateway's own
    /// lag, but never shorter than <paramref name="floor"/> (the no-load baseline, in ticks; no discount while it is
    /// unknown): the discount may take back what starvation added, never make a sample faster than an unloaded
    /// backend answers. An overestimated lag that did (a GC pause delays the probe, not every request) became the
    /// baseline and made every later sample look slow: the limit fell to a fifth of the backend's capacity.
    /// </summary>
    public long Discount(long start, long end, long floor)
    {
        var room = end - start - floor;
        return room <= 0 ? end : end - Math.Min(Current, room);
    }
}
