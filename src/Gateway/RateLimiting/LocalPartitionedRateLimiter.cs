using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>
/// A <see cref="PartitionedRateLimiter{TResource}"/> keyed by partition string, one System.Threading.RateLimiting
/// limiter per partition (their algorithms unchanged). It differs from <c>PartitionedRateLimiter.Create</c> in two
/// ways: partition lookup is lock-free (a <see cref="ConcurrentDictionary{TKey,TValue}"/>; Create takes a lock on
/// every acquire), and replenishment is driven by a timer from the injected <see cref="TimeProvider"/> calling
/// <see cref="ReplenishingRateLimiter.TryReplenish"/> (the limiters run with AutoReplenishment off).
/// </summary>
/// <remarks>
/// The limiters still check real elapsed time (Stopwatch) inside TryReplenish, so a tick replenishes only once
/// a real period has passed: fake time alone cannot refill a bucket, it can only withhold the refill.
/// </remarks>
internal sealed class LocalPartitionedRateLimiter : PartitionedRateLimiter<string>
{
    private readonly ConcurrentDictionary<string, RateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly Func<string, RateLimitPolicyOptions, RateLimiter> _create = static (_, options) => CreateLimiter(options);
    private readonly RateLimitPolicyOptions _options;
    private readonly ITimer? _timer;
    private int _disposed;

    public LocalPartitionedRateLimiter(RateLimitPolicyOptions options, TimeProvider time)
    {
        _options = options;
        var period = ReplenishmentPeriod(options);
        if (period is { } p)
        {
            var tick = TimeSpan.FromTicks(Math.Clamp(p.Ticks / 10, RateLimitingConstants.MinPeriod.Ticks, RateLimitingConstants.MaxTick.Ticks));
            _timer = time.CreateTimer(static state => ((LocalPartitionedRateLimiter)state!).Tick(), this, tick, tick);
        }
    }

    /// <summary>Partitions held now (idle ones are dropped after a minute).</summary>
    public int PartitionCount => _limiters.Count;

    /// <summary>The interval at which the algorithm moves on: a token bucket's period, a window or a segment.</summary>
    public static TimeSpan? ReplenishmentPeriod(RateLimitPolicyOptions options) => options.Algorithm switch
    {
        RateLimitingConstants.TokenBucket => options.ReplenishmentPeriod,
        RateLimitingConstants.FixedWindow => options.Window,
        RateLimitingConstants.SlidingWindow => options.Window / options.SegmentsPerWindow,
        _ => null,
    };

    public RateLimiter GetLimiter(string partition) => _limiters.GetOrAdd(partition, _create, _options);

    public override RateLimiterStatistics? GetStatistics(string resource) => GetLimiter(resource).GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(string resource, int permitCount) =>
        GetLimiter(resource).AttemptAcquire(permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(string resource, int permitCount, CancellationToken cancellationToken) =>
        GetLimiter(resource).AcquireAsync(permitCount, cancellationToken);

    internal static RateLimiter CreateLimiter(RateLimitPolicyOptions o) => o.Algorithm switch
    {
        RateLimitingConstants.TokenBucket => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.TokenLimit,
            TokensPerPeriod = o.TokensPerPeriod,
            ReplenishmentPeriod = o.ReplenishmentPeriod,
            QueueLimit = o.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = false,
        }),
        RateLimitingConstants.FixedWindow => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.PermitLimit,
            Window = o.Window,
            QueueLimit = o.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = false,
        }),
        RateLimitingConstants.SlidingWindow => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = o.PermitLimit,
            Window = o.Window,
            SegmentsPerWindow = o.SegmentsPerWindow,
            QueueLimit = o.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = false,
        }),
        _ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = o.PermitLimit,
            QueueLimit = o.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }),
    };

    /// <summary>Replenishes every partition and drops those idle (full) for a minute; called by the timer.</summary>
    internal void Tick()
    {
        foreach (var (key, limiter) in _limiters)
        {
            if (limiter is ReplenishingRateLimiter replenishing)
            {
                replenishing.TryReplenish();
            }

            // An idle limiter is a full one, so dropping it loses no state. It is not disposed: a request that
            // fetched it a moment ago may still acquire from it.
            if (limiter.IdleDuration is { } idle && idle > RateLimitingConstants.IdleEviction)
            {
                _limiters.TryRemove(new KeyValuePair<string, RateLimiter>(key, limiter));
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing)
        {
            _timer?.Dispose();
        }

        base.Dispose(disposing);
    }
}
