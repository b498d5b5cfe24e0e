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
    /// lag, keeping at least a quarter of it: an overestimated lag must not turn a sample into a near-zero latency,
    /// which would become the baseline and make every later sample look slow.
    /// </summary>
    public long Discount(long start, long end)
    {
        var elapsed = end - start;
        return end - Math.Min(Current, elapsed - (elapsed / 4));
    }
}
