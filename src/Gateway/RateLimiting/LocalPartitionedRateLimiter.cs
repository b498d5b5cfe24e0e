using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>
/// A <see cref="PartitionedRateLimiter{TResource}"/> keyed by partition string, one System.Threading.RateLimiting
/// limiter per partition (their algorithms unchanged), held in a bounded <see cref="PartitionTable{TEntry}"/>. It
/// differs from <c>PartitionedRateLimiter.Create</c> in three ways: partition lookup is lock-free (Create takes a lock
/// on every acquire), the partitions are capped (least recently used out), and replenishment is driven by a timer from
/// the injected <see cref="TimeProvider"/> calling <see cref="ReplenishingRateLimiter.TryReplenish"/> (the limiters run
/// with AutoReplenishment off) on the partitions that are not full only, not on every partition every tick.
/// </summary>
/// <remarks>
/// The limiters still check real elapsed time (Stopwatch) inside TryReplenish, so a tick replenishes only once
/// a real period has passed: fake time alone cannot refill a bucket, it can only withhold the refill.
/// </remarks>
internal sealed class LocalPartitionedRateLimiter : PartitionedRateLimiter<string>
{
    private readonly PartitionTable<LocalPartition> _partitions;
    private readonly Func<string, RateLimitPolicyOptions, LocalPartition> _create = static (key, options) => new LocalPartition(key, CreateLimiter(options));
    private readonly RateLimitPolicyOptions _options;

    // The partitions the tick replenishes: those used since they were last full (each at most once, by its Active flag).
    private readonly ConcurrentQueue<LocalPartition>? _replenishing;
    private readonly ITimer? _timer;
    private int _ticking;
    private int _disposed;

    public LocalPartitionedRateLimiter(RateLimitPolicyOptions options, TimeProvider time)
    {
        _options = options;
        var period = ReplenishmentPeriod(options);
        if (period is { } p)
        {
            _replenishing = new ConcurrentQueue<LocalPartition>();
            var tick = TimeSpan.FromTicks(Math.Clamp(p.Ticks / 10, RateLimitingConstants.MinPeriod.Ticks, RateLimitingConstants.MaxTick.Ticks));
            _timer = time.CreateTimer(static state => ((LocalPartitionedRateLimiter)state!).Tick(), this, tick, tick);
        }

        // A tick after each eviction pass lets go of the dropped partitions still queued for replenishment, so a key
        // spray does not pile them up between ticks.
        _partitions = new PartitionTable<LocalPartition>(options.MaxPartitions, time, _replenishing is null ? null : Tick);
    }

    /// <summary>Partitions held now: at most <c>MaxPartitions</c>; idle ones are dropped after a minute.</summary>
    public int PartitionCount => _partitions.Count;

    /// <summary>The interval at which the algorithm moves on: a token bucket's period, a window or a segment.</summary>
    public static TimeSpan? ReplenishmentPeriod(RateLimitPolicyOptions options) => options.Algorithm switch
    {
        RateLimitingConstants.TokenBucket => options.ReplenishmentPeriod,
        RateLimitingConstants.FixedWindow => options.Window,
        RateLimitingConstants.SlidingWindow => options.Window / options.SegmentsPerWindow,
        _ => null,
    };

    /// <summary>The partition's limiter, created when new; the caller is about to acquire from it.</summary>
    public RateLimiter GetLimiter(string partition)
    {
        var entry = _partitions.GetOrAdd(partition, _create, _options);
        if (_replenishing is not null && Volatile.Read(ref entry.Active) == 0 && Interlocked.CompareExchange(ref entry.Active, 1, 0) == 0)
        {
            // Full and so unticked until now: a refill due since long ago would land on the next tick, right after
            // this request; replenishing a full bucket here restarts its period from now instead.
            ((ReplenishingRateLimiter)entry.Limiter).TryReplenish();
            _replenishing.Enqueue(entry);
        }

        return entry.Limiter;
    }

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

    /// <summary>
    /// Replenishes the partitions used since they were last full; one that is full again leaves the queue until its
    /// next request. Called by the timer; a tick that finds the previous one still running does nothing.
    /// </summary>
    internal void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            var queue = _replenishing!;
            for (var n = queue.Count; n > 0 && queue.TryDequeue(out var entry); n--)
            {
                ((ReplenishingRateLimiter)entry.Limiter).TryReplenish();

                // Cleared before the check, so a request that takes a permit after it re-queues the partition itself.
                Volatile.Write(ref entry.Active, 0);
                var keep = !entry.IsIdle && (!entry.Evicted || entry.HasWaiters);
                if (keep && Interlocked.CompareExchange(ref entry.Active, 1, 0) == 0)
                {
                    queue.Enqueue(entry);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing)
        {
            _timer?.Dispose();
            _partitions.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>One partition of a <see cref="LocalPartitionedRateLimiter"/>: its limiter, never disposed (a request that
/// fetched it just before it was dropped may still acquire from it).</summary>
internal sealed class LocalPartition(string key, RateLimiter limiter) : PartitionEntry(key)
{
    /// <summary>1 while in the replenishment queue.</summary>
    public int Active;

    public RateLimiter Limiter { get; } = limiter;

    public override bool IsIdle => Limiter.IdleDuration is not null;

    /// <summary>Requests queued for a permit (QueueLimit above 0): a dropped partition is replenished until they are served.</summary>
    public bool HasWaiters => Limiter.GetStatistics() is { CurrentQueuedCount: > 0 };
}
