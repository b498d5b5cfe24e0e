using Gateway.Proxy;

namespace Gateway.Shedding;

/// <summary>
/// Sizes the <c>Retry-After</c> of refusals to the backlog: refusals over the last one to two seconds divided by the
/// completions per second the cluster managed, i.e. how many seconds of the cluster's work the refused clients
/// represent. Each refusal draws uniformly from [min, that window], so 20,000 clients refused in one second come back
/// spread over the seconds the backend needs to serve them, not in one wave.
/// </summary>
internal sealed class AdmissionPacer
{
    private readonly SheddingOptions _options;
    private readonly long _bucket;
    private long _bucketEnd;
    private long _rejections;
    private long _completions;
    private long _lastRejections;
    private long _lastCompletions;
    private int _rolling;

    public AdmissionPacer(SheddingOptions options, TimeProvider time)
    {
        _options = options;
        _bucket = time.TimestampFrequency;
        _bucketEnd = time.GetTimestamp() + _bucket;
    }

    public void Completed(long now)
    {
        Roll(now);
        Interlocked.Increment(ref _completions);
    }

    /// <summary>Counts a refusal and returns its <c>Retry-After</c> value.</summary>
    public string Rejected(long now)
    {
        Roll(now);
        Interlocked.Increment(ref _rejections);
        return RetryAfter.Jittered(_options.RetryAfterMinSeconds, WindowSeconds());
    }

    /// <summary>The upper end of the <c>Retry-After</c> range now, in seconds.</summary>
    public int WindowSeconds()
    {
        var rejections = Volatile.Read(ref _lastRejections) + Volatile.Read(ref _rejections);
        var throughput = Math.Max(1, Math.Max(Volatile.Read(ref _lastCompletions), Volatile.Read(ref _completions)));
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
