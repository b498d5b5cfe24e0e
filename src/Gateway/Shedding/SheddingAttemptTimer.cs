namespace Gateway.Shedding;

/// <summary>
/// Times each attempt of an admitted request from the request being sent to the response headers received, the
/// backend's share of it, for the cluster's adaptive limit, less the gateway's own scheduling lag
/// (<see cref="SchedulingLag"/>). Timing the attempt rather than the proxy pipeline keeps the gateway's queueing and
/// the copy of the body to a slow client out of it: a gateway starved of CPU otherwise shrank the limit to 20-45 for a
/// backend of capacity 200. The shedding transforms call it: the last request transform starts the clock, a response
/// transform stops it, so the attempt needs no message handler and no per-request options dictionary.
/// </summary>
internal sealed class SheddingAttemptTimer(TimeProvider time, SchedulingLag lag)
{
    /// <summary>The timestamp an attempt starts at, taken as its request is about to be sent.</summary>
    public long Start() => time.GetTimestamp();

    /// <summary>
    /// Feeds the limit with the attempt that started at <paramref name="start"/> and was answered
    /// <paramref name="statusCode"/> now. 5xx answers (often fast failures) would teach the limit that the cluster is
    /// fast, so they are left out, as are attempts that failed without an answer (no response transform runs).
    /// </summary>
    public void Stop(ClusterShedder shedder, long start, int statusCode)
    {
        if (statusCode >= StatusCodes.Status500InternalServerError)
        {
            return;
        }

        var end = time.GetTimestamp();
        var baseline = shedder.Limit.BaselineSeconds;
        var floor = double.IsFinite(baseline) ? (long)(baseline * time.TimestampFrequency) : long.MaxValue / 2;
        shedder.Limit.Record(start, lag.Discount(start, end, floor), shedder.InFlight);
    }
}
