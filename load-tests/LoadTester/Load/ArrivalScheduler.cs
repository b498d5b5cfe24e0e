namespace LoadTests.Load;

/// <summary>
/// The open model: starts each arrival when it is due whether or not earlier ones have finished, and hands the
/// start its scheduled timestamp so latency is measured from when the request should have started. A slow target
/// (or a slow load generator) then shows up as latency instead of as fewer requests: no coordinated omission.
/// </summary>
internal sealed class ArrivalScheduler(TimeProvider time)
{
    // Timers are not finer than about a millisecond; arrivals due sooner start at once, in a burst.
    private static readonly TimeSpan s_minimumSleep = TimeSpan.FromMilliseconds(1);

    /// <summary>Starts arrivals on schedule until the plan ends, <paramref name="maxArrivals"/> is reached or cancelled.</summary>
    /// <param name="start">Called with the arrival and its scheduled timestamp (of <see cref="TimeProvider.GetTimestamp"/>); must not block.</param>
    /// <returns>How many arrivals were started.</returns>
    public async Task<long> RunAsync(
        IReadOnlyList<LoadPhase> phases, long origin, Action<Arrival, long> start, long maxArrivals, CancellationToken cancellationToken)
    {
        long started = 0;
        foreach (var arrival in ArrivalPlan.Enumerate(phases))
        {
            if (started >= maxArrivals || cancellationToken.IsCancellationRequested)
            {
                return started;
            }

            var wait = arrival.Offset - time.GetElapsedTime(origin);
            if (wait >= s_minimumSleep && !await DelayAsync(wait, cancellationToken).ConfigureAwait(false))
            {
                return started;
            }

            start(arrival, origin + ToTimestamp(arrival.Offset));
            started++;
        }

        // A trailing pause is part of the plan: the run lasts its whole length.
        var rest = ArrivalPlan.TotalDuration(phases) - time.GetElapsedTime(origin);
        if (rest > TimeSpan.Zero)
        {
            await DelayAsync(rest, cancellationToken).ConfigureAwait(false);
        }

        return started;
    }

    private long ToTimestamp(TimeSpan offset) => (long)(offset.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private async Task<bool> DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
