using Gateway.Answers;

namespace Gateway.Shedding;

/// <summary>
/// Sizes the <c>Retry-After</c> of refusals to the backlog, like tickets: the n-th client refused over the last one to
/// two seconds is sent to second n / (completions per second), with a second of jitter. So 20,000 clients refused at
/// once come back spread over the seconds the cluster needs to serve them, at about the rate it serves, not in one
/// wave; and it holds from the first refusal of a wave, when no average over the wave exists yet.
/// </summary>
internal sealed class AdmissionPacer
{
    private readonly SheddingOptions _options;
    private readonly long _bucket;
    private readonly FleetCounts? _fleet;
    private long _bucketEnd;
    private long _rejections;
    private long _completions;
    private long _lastRejections;
    private long _lastCompletions;
    private int _rolling;

    public AdmissionPacer(SheddingOptions options, TimeProvider time, FleetCounts? fleet = null)
    {
        _options = options;
        _fleet = fleet;
        _bucket = time.TimestampFrequency;
        _bucketEnd = time.GetTimestamp() + _bucket;
    }

    public void Completed(long now)
    {
        Roll(now);
        Interlocked.Increment(ref _completions);
        _fleet?.Completed();
    }

    /// <summary>Counts a refusal and returns its <c>Retry-After</c> value.</summary>
    public string Rejected(long now)
    {
        Roll(now);
        Interlocked.Increment(ref _rejections);
        _fleet?.Rejected();
        var ticket = WindowSeconds(now);
        return RetryAfter.Jittered(Math.Max(_options.RetryAfterMinSeconds, ticket - 1), ticket);
    }

    /// <summary>Requests the cluster completed per second: the last whole second or the current one, whichever is more.</summary>
    public long CompletionsPerSecond => Math.Max(Volatile.Read(ref _lastCompletions), Volatile.Read(ref _completions));

    /// <summary>
    /// The second the next refused client is sent to: the backlog in seconds of the cluster's work, bounded. With
    /// shared pacing and a fresh answer from Redis, the fleet's backlog and throughput; otherwise this instance's.
    /// </summary>
    public int WindowSeconds(long now)
    {
        if (_fleet is not null && _fleet.TryGet(now, out var fleetRejections, out var fleetThroughput) && fleetThroughput > 0)
        {
            return Window(fleetRejections, fleetThroughput);
        }

        return Window(
            Volatile.Read(ref _lastRejections) + Volatile.Read(ref _rejections),
            Math.Max(Volatile.Read(ref _lastCompletions), Volatile.Read(ref _completions)));
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
                Volatile.Write(ref _lastRejections, stale ? 0 : Interlocked.Exchange(ref _rejections, 0));
                Volatile.Write(ref _lastCompletions, stale ? 0 : Interlocked.Exchange(ref _completions, 0));
                if (stale)
                {
                    Interlocked.Exchange(ref _rejections, 0);
                    Interlocked.Exchange(ref _completions, 0);
                }

                Volatile.Write(ref _bucketEnd, now + _bucket);
            }
        }
        finally
        {
            Volatile.Write(ref _rolling, 0);
        }
    }
}
