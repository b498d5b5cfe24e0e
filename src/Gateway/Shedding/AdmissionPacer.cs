using Gateway.Answers;

namespace Gateway.Shedding;

/// <summary>
/// Sizes the <c>Retry-After</c> of refusals to the backlog, like tickets: the n-th client refused over the last one to
/// two seconds is sent to second n / (completions per second), with a second of jitter. So 20,000 clients refused at
/// once come back spread over the seconds the cluster needs to serve them, at about the rate it serves, not in one
/// wave; and it holds from the first refusal of a wave, when no average over the wave exists yet. A client counts only
/// the refusals of its own priority and above: the slots it will compete for when it returns go to those first, while a
/// lower priority's returning clients are refused again on arrival (sheddable ones whenever anyone waits). Counting the
/// heartbeats of a storm (nine in ten of its refusals) sent its refused sessions a second later than their backlog needed.
/// Counting that began less than a second ago (an instance that just started, or one a storm hits after a quiet
/// spell) is scaled to a second, and refusals made before anything completed go to the minimum: an autoscaled instance
/// that joined a storm once counted its first refusals against no completions, a second of backlog each, and sent
/// four in ten of them to RetryAfterMaxSeconds while the fleet sent its own to one or two. While the cluster's limit is
/// still finding capacity, its pace is the limit's caution, not the backend's, and no one is sent past the minimum + 1 s.
/// </summary>
internal sealed class AdmissionPacer
{
    private readonly SheddingOptions _options;
    private readonly long _bucket;
    private readonly long _minCounting;
    private readonly FleetCounts? _fleet;
    private readonly GradientLimit? _limit;
    private long _bucketEnd;
    private int _previousWhole;
    private readonly long[] _rejections = new long[RequestPriorities.Count];
    private readonly long[] _lastRejections = new long[RequestPriorities.Count];
    private long _completions;
    private long _lastCompletions;
    private long _criticalCompletions;
    private long _lastCriticalCompletions;
    private int _rolling;

    public AdmissionPacer(SheddingOptions options, TimeProvider time, FleetCounts? fleet = null, GradientLimit? limit = null)
    {
        _options = options;
        _fleet = fleet;
        _limit = limit;
        _bucket = time.TimestampFrequency;
        _minCounting = (long)(SheddingConstants.PacingMinCountingSpan.TotalSeconds * time.TimestampFrequency);
        // Already over: the first count starts the first bucket, so a pace counted since then is not spread over the
        // idle time before the first request.
        _bucketEnd = time.GetTimestamp() - _bucket;
    }

    public void Completed(long now, RequestPriority priority = RequestPriority.Default)
    {
        Roll(now);
        Interlocked.Increment(ref _completions);
        if (priority == RequestPriority.Critical)
        {
            Interlocked.Increment(ref _criticalCompletions);
        }

        _fleet?.Completed();
    }

    /// <summary>Counts a refusal of <paramref name="priority"/> and returns its <c>Retry-After</c> in seconds.</summary>
    public int Rejected(long now, RequestPriority priority = RequestPriority.Sheddable)
    {
        Roll(now);
        Interlocked.Increment(ref _rejections[(int)priority]);
        _fleet?.Rejected();
        var ticket = WindowSeconds(now, priority);
        return RetryAfter.Draw(Math.Max(_options.RetryAfterMinSeconds, ticket - 1), ticket);
    }

    /// <summary>Requests the cluster completed per second: the last whole second or the current one, whichever is more.</summary>
    public long CompletionsPerSecond => Math.Max(Volatile.Read(ref _lastCompletions), Volatile.Read(ref _completions));

    /// <summary>
    /// Requests the cluster completes per second, as <see cref="CompletionsPerSecond"/>, but with a count that began
    /// within this second scaled to a whole second: taken as a second's, the first tenth of a storm's first second would
    /// promise a tenth of its pace (and overstate a refusal's window by a second over the time counted, tenfold 100 ms in).
    /// </summary>
    public double CompletionRate(long now) =>
        Volatile.Read(ref _previousWhole) != 0
            ? Math.Max(Volatile.Read(ref _lastCompletions), Volatile.Read(ref _completions))
            : CurrentRate(now, ref _completions);

    /// <summary>
    /// How fast refused requests of <paramref name="priority"/> will be served when they return: every completion for
    /// default and sheddable ones (the slots they compete for), but for critical ones the critical completions, and at
    /// least their reserved share of all: in a storm of sessions, each critical call let in brings its session's
    /// default calls after it, which take two slots in three. Paced on every completion, refused critical calls came
    /// back three times too soon, were refused again, and sessions ran out of retries (docs/load-shedding.md).
    /// </summary>
    /// <remarks>
    /// The critical count of this second is always scaled to a second: a storm's first critical refusals, counted
    /// against the critical calls of the quiet second before it and the first tenth of this one, were sent 3-15 s out
    /// while the cluster served 2,000 of them a second.
    /// </remarks>
    private double ServedRate(long now, RequestPriority priority)
    {
        // At least the limit over the backend's latency (Little's law), as the queue's pace: a storm that began after a
        // quiet second, with the limit already found in the warm-up, counted its first refusals against that second's
        // few completions and sent 183 critical ones 3-30 s out (run 063020, 1.72x).
        var latency = _limit?.LatencySeconds ?? double.NaN;
        var all = Math.Max(CompletionRate(now), latency > 0 ? _limit!.Current / latency : 0);
        return priority == RequestPriority.Critical
            ? Math.Max(Math.Max(Volatile.Read(ref _lastCriticalCompletions), CurrentRate(now, ref _criticalCompletions)), all * _options.CriticalReservedFraction)
            : all;
    }

    /// <summary>The count of this second so far, scaled to a whole second from at least PacingMinCountingSpan.</summary>
    private double CurrentRate(long now, ref long current)
    {
        var counting = Math.Max(now - (Volatile.Read(ref _bucketEnd) - _bucket), _minCounting);
        return (double)Volatile.Read(ref current) * _bucket / counting;
    }

    /// <summary>
    /// The second the next refused client is sent to: the backlog in seconds of the cluster's work, bounded. With
    /// shared pacing and a fresh answer from Redis, the fleet's backlog and throughput (every priority's refusals: the
    /// fleet's counts do not tell them apart); otherwise this instance's refusals of <paramref name="priority"/> and above.
    /// </summary>
    public int WindowSeconds(long now, RequestPriority priority = RequestPriority.Sheddable)
    {
        if (_fleet is not null && _fleet.TryGet(now, out var fleetRejections, out var fleetThroughput) && fleetThroughput > 0)
        {
            return Window(fleetRejections, fleetThroughput);
        }

        var rejections = 0L;
        for (var p = 0; p <= (int)priority; p++)
        {
            rejections += Volatile.Read(ref _lastRejections[p]) + Volatile.Read(ref _rejections[p]);
        }

        if (Volatile.Read(ref _previousWhole) == 0 && Volatile.Read(ref _completions) == 0)
        {
            // Nothing says how fast this instance serves yet (the first completion is one backend latency away), and a
            // backlog in seconds of no throughput is no measure: the minimum. A backend that completes nothing for a
            // whole second is paced as before, a second per refusal, up to RetryAfterMaxSeconds.
            return Window(0, 1);
        }

        var rate = (long)ServedRate(now, priority);
        var window = Window(rejections, rate);

        // While the limit is still looking for the backend's capacity, slots free at the pace its own caution allows
        // (MinLimit while the first baseline is measured, then doubling per busy window), not at the backend's: a
        // backlog sized on that pace sent a storm's first refusals 10-30 s out, and those sessions came back long
        // after the gateway had gone idle (1.7x the ideal time, docs/load-shedding.md). Within the next second or two
        // the pace is known. A cluster that completes nothing is not capped: its backlog is real.
        return rate > 0 && _limit is { FindingCapacity: true } ? Math.Min(window, _options.RetryAfterMinSeconds + 1) : window;
    }

    private int Window(long rejections, long throughput)
    {
        throughput = Math.Max(1, throughput);
        var seconds = (rejections + throughput - 1) / throughput;
        return (int)Math.Clamp(seconds, _options.RetryAfterMinSeconds, _options.RetryAfterMaxSeconds);
    }

    private void Roll(long now)
    {
        if (now < Volatile.Read(ref _bucketEnd) || Interlocked.CompareExchange(ref _rolling, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var end = Volatile.Read(ref _bucketEnd);
            if (now >= end)
            {
                // More than one whole bucket passed with nothing counted: the previous second was empty.
                var stale = now >= end + _bucket;
                for (var p = 0; p < RequestPriorities.Count; p++)
                {
                    var counted = Interlocked.Exchange(ref _rejections[p], 0);
                    Volatile.Write(ref _lastRejections[p], stale ? 0 : counted);
                }

                var completed = Interlocked.Exchange(ref _completions, 0);
                Volatile.Write(ref _lastCompletions, stale ? 0 : completed);
                var critical = Interlocked.Exchange(ref _criticalCompletions, 0);
                Volatile.Write(ref _lastCriticalCompletions, stale ? 0 : critical);
                Volatile.Write(ref _previousWhole, stale ? 0 : 1);

                Volatile.Write(ref _bucketEnd, now + _bucket);
            }
        }
        finally
        {
            Volatile.Write(ref _rolling, 0);
        }
    }
}
