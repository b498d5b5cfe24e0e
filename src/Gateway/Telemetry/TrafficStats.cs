
namespace Gateway.Telemetry;

/// <summary>
/// Per-second request counters for the operator console's charts over the last five minutes: requests, 5xx
/// responses, a latency histogram and the gateway's own refusals by <c>X-Gateway-Reason</c>.
/// </summary>
/// <remarks>
/// Recording is a few <see cref="Interlocked"/> increments into the slot of the current second, with no lock and no
/// allocation. Slots are zeroed by a once-a-second tick a couple of seconds before their second starts, so a request
/// never has to reset one (which would race with other requests writing to it). A slot stamped with another second
/// is read as empty, so a stalled tick loses data rather than showing five-minute-old numbers.
/// </remarks>
internal sealed class TrafficStats : IDisposable
{
    private const int SlotCount = TrafficStatsConstants.WindowSeconds + TrafficStatsConstants.SpareSlots;
    private const int ClearAhead = 2;

    private static readonly int ReasonCount = TrafficStatsConstants.Reasons.Length;
    private static readonly int LatencyBucketCount = TrafficStatsConstants.LatencyBoundsMs.Length + 1;

    private readonly TimeProvider _time;
    private readonly long _frequency;
    private readonly Slot[] _slots = new Slot[SlotCount];
    private readonly long[] _boundsTicks;
    private readonly ITimer _timer;
    private readonly Lock _tickLock = new();
    private long _clearedThrough;

    public TrafficStats(TimeProvider time)
    {
        _time = time;
        _frequency = time.TimestampFrequency;
        _boundsTicks = new long[TrafficStatsConstants.LatencyBoundsMs.Length];
        for (var i = 0; i < _boundsTicks.Length; i++)
        {
            _boundsTicks[i] = (long)(TrafficStatsConstants.LatencyBoundsMs[i] * time.TimestampFrequency / 1000);
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(ReasonCount, LatencyBucketCount) { Second = long.MinValue };
        }

        _clearedThrough = CurrentSecond() - 1;
        Tick();
        _timer = time.CreateTimer(static state => ((TrafficStats)state!).Tick(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Counts one finished request. Runs on the request path: increments only.</summary>
    /// <param name="seconds">How long the request took, as ASP.NET Core measured it.</param>
    /// <param name="statusCode">The response status.</param>
    /// <param name="reason">The gateway's reason when it answered itself (<c>X-Gateway-Reason</c>), or null when a backend answered.</param>
    public void Record(double seconds, int statusCode, string? reason)
    {
        var slot = _slots[SlotIndex(_time.GetTimestamp() / _frequency)];
        Interlocked.Increment(ref slot.Requests);
        if (statusCode >= 500)
        {
            Interlocked.Increment(ref slot.Errors);
        }

        if (reason is not null)
        {
            Interlocked.Increment(ref slot.Rejections[ReasonIndex(reason)]);
        }

        var bucket = Array.BinarySearch(_boundsTicks, (long)(seconds * _frequency));
        Interlocked.Increment(ref slot.Latency[bucket < 0 ? ~bucket : bucket]);
    }

    /// <summary>The last <paramref name="seconds"/> whole seconds, oldest first; the second under way is left out.</summary>
    public TrafficSeries Read(int seconds)
    {
        seconds = Math.Clamp(seconds, 1, TrafficStatsConstants.WindowSeconds);
        var last = CurrentSecond() - 1;
        var first = last - seconds + 1;
        var requests = new long[seconds];
        var errors = new long[seconds];
        var p50 = new double?[seconds];
        var p99 = new double?[seconds];
        var rejections = new long[ReasonCount][];
        for (var r = 0; r < ReasonCount; r++)
        {
            rejections[r] = new long[seconds];
        }

        var latency = new long[LatencyBucketCount];
        for (var i = 0; i < seconds; i++)
        {
            var second = first + i;
            var slot = _slots[SlotIndex(second)];
            if (Volatile.Read(ref slot.Second) != second)
            {
                continue;
            }

            requests[i] = Volatile.Read(ref slot.Requests);
            errors[i] = Volatile.Read(ref slot.Errors);
            for (var r = 0; r < ReasonCount; r++)
            {
                rejections[r][i] = Volatile.Read(ref slot.Rejections[r]);
            }

            for (var b = 0; b < LatencyBucketCount; b++)
            {
                latency[b] = Volatile.Read(ref slot.Latency[b]);
            }

            p50[i] = Quantile(latency, 0.50);
            p99[i] = Quantile(latency, 0.99);
        }

        var byReason = new Dictionary<string, long[]>(ReasonCount, StringComparer.Ordinal);
        for (var r = 0; r < ReasonCount; r++)
        {
            byReason[TrafficStatsConstants.Reasons[r]] = rejections[r];
        }

        return new TrafficSeries(
            _time.GetUtcNow(),
            seconds,
            requests,
            errors,
            p50,
            p99,
            byReason);
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>
    /// The latency below which <paramref name="quantile"/> of the requests fell, in milliseconds: the upper bound of
    /// the histogram bucket it lands in (the last bucket, which has none, reports the largest bound). Null with no
    /// requests.
    /// </summary>
    internal static double? Quantile(long[] buckets, double quantile)
    {
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(total * quantile);
        long seen = 0;
        var bounds = TrafficStatsConstants.LatencyBoundsMs;
        for (var b = 0; b < buckets.Length; b++)
        {
            seen += buckets[b];
            if (seen >= rank)
            {
                return bounds[Math.Min(b, bounds.Length - 1)];
            }
        }

        return bounds[^1];
    }

    private void Tick()
    {
        // Clears whole seconds ahead of time; after a long stall it clears at most the ring once. Timer callbacks
        // can overlap when the thread pool is starved; the lock is off the request path.
        lock (_tickLock)
        {
            TickLocked();
        }
    }

    private void TickLocked()
    {
        var target = CurrentSecond() + ClearAhead;
        var from = Math.Max(_clearedThrough + 1, target - SlotCount + 1);
        for (var second = from; second <= target; second++)
        {
            var slot = _slots[SlotIndex(second)];
            Volatile.Write(ref slot.Second, long.MinValue);
            slot.Requests = 0;
            slot.Errors = 0;
            Array.Clear(slot.Rejections);
            Array.Clear(slot.Latency);
            Volatile.Write(ref slot.Second, second);
        }

        _clearedThrough = target;
    }

    private long CurrentSecond() => _time.GetTimestamp() / _frequency;

    private static int SlotIndex(long second) => (int)(((second % SlotCount) + SlotCount) % SlotCount);

    private static int ReasonIndex(string reason) => reason switch
    {
        GatewayReason.RateLimited => 0,
        GatewayReason.Overloaded => 1,
        GatewayReason.CircuitOpen => 2,
        GatewayReason.NoHealthyDestination => 3,
        GatewayReason.UpstreamTimeout => 4,
        GatewayReason.UpstreamUnreachable => 5,
        _ => 6,
    };

    private sealed class Slot(int reasons, int latencyBuckets)
    {
        public long Second;
        public long Requests;
        public long Errors;
        public readonly long[] Rejections = new long[reasons];
        public readonly long[] Latency = new long[latencyBuckets];
    }
}

/// <summary>The body of <c>GET /admin/stats</c>: one value per second, oldest first, ending a second before <c>now</c>.</summary>
/// <param name="Now">The gateway's clock, so the page can show ejection time left without trusting the browser's.</param>
/// <param name="Seconds">How many seconds each array covers.</param>
/// <param name="Requests">Requests finished on the proxy listener.</param>
/// <param name="Errors">Of those, responses with a 5xx status (the gateway's own included).</param>
/// <param name="P50Ms">Median latency in ms (a histogram bucket's upper bound); null in a second with no request.</param>
/// <param name="P99Ms">99th percentile latency in ms, likewise.</param>
/// <param name="Rejections">Responses the gateway gave itself, by <c>X-Gateway-Reason</c>.</param>
internal sealed record TrafficSeries(
    DateTimeOffset Now,
    int Seconds,
    long[] Requests,
    long[] Errors,
    double?[] P50Ms,
    double?[] P99Ms,
    IReadOnlyDictionary<string, long[]> Rejections);
