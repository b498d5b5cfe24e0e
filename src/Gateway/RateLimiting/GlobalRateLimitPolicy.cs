using System.Threading.RateLimiting;
using Gateway.Redis;
using Gateway.Utilities;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>
/// A policy shared by every gateway instance through Redis (Scope <c>Global</c>). Tokens are taken from Redis in
/// leases of <see cref="LeaseSize"/> and spent locally, so most requests make no round trip; at most one lease
/// call per partition is in flight per instance. When Redis is unusable or slower than its timeout, the decision
/// is taken by a local limiter holding this instance's share of the limit (limit / live instances).
/// </summary>
/// <remarks>
/// Overshoot bound. Tokens leave Redis's bucket when leased, so what is admitted never exceeds what Redis granted;
/// the only excess is lease tokens granted before an interval and spent inside it. An instance holds at most
/// LeaseSize + LeaseSize/4 tokens (a lease, plus what was left when the next was prefetched), so for a token bucket
/// the excess is at most (live instances x 1.25 x LeaseSize) tokens per partition in any interval, however long a
/// lease is kept. A token bucket's unspent lease is kept until the bucket would have refilled whole (at least 1 s):
/// a slow quota spread over many instances is then not lost one lease per request (100/h over 10 round-robin
/// instances admitted about 20/h when leases lasted 1 s); past that time the held tokens would only add to a full
/// bucket. A window's lease expires with the window (or segment) it was taken in, so windows never admit more than
/// PermitLimit. Unspent lease tokens are lost only when a window ends, when a bucket's lease outlives its refill time,
/// or when the partition is dropped to make room (under-admission, at most the same amount).
/// </remarks>
internal sealed class GlobalRateLimitPolicy : IRateLimitPolicy
{
    private readonly PartitionTable<GlobalPartition> _partitions;
    private readonly Func<string, GlobalRateLimitPolicy, GlobalPartition> _createPartition = static (key, policy) => new GlobalPartition(key, policy.KeyFor(key), policy._time);
    private readonly TokenBucketRateLimiter _newPartitions;
    private readonly RedisConnection _redis;
    private readonly RateLimitMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly RedisValue[] _leaseArgs;
    private readonly string _keyPrefix;
    private readonly TimeSpan _fullAfter;
    private readonly long _tokenLeaseLifetime;
    private readonly long _sameWindowTolerance;
    private readonly bool _isTokenBucket;
    private FallbackLimiter? _fallback;

    public GlobalRateLimitPolicy(string name, RateLimitPolicyOptions options, RedisConnection redis, RateLimitMetrics metrics, TimeProvider time)
    {
        Name = name;
        Options = options;
        PolicyHeader = RateLimitHeaders.Policy(name, options);
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _fullAfter = RateLimitHeaders.FullAfter(options);
        _isTokenBucket = options.Algorithm == RateLimitingConstants.TokenBucket;
        var leaseLifetime = options.Algorithm == RateLimitingConstants.TokenBucket ? RateLimitHeaders.FullAfter(options) : TimeSpan.Zero;
        _tokenLeaseLifetime = (long)(Math.Max(leaseLifetime.TotalSeconds, RateLimitingConstants.TokenLeaseLifetime.TotalSeconds) * time.TimestampFrequency);
        LeaseSize = EffectiveLeaseSize(options);
        PrefetchAt = LeaseSize / RateLimitingConstants.PrefetchDivisor;
        var interval = LocalPartitionedRateLimiter.ReplenishmentPeriod(options) ?? RateLimitingConstants.TokenLeaseLifetime;
        _sameWindowTolerance = (long)(interval.TotalSeconds * time.TimestampFrequency / 2);
        _leaseArgs = options.Algorithm switch
        {
            RateLimitingConstants.TokenBucket =>
                [RedisScripts.TokenBucket, options.TokenLimit, Microseconds(options.ReplenishmentPeriod), options.TokensPerPeriod, LeaseSize],
            RateLimitingConstants.FixedWindow =>
                [RedisScripts.FixedWindow, options.PermitLimit, Microseconds(options.Window), 1, LeaseSize],
            _ => [RedisScripts.SlidingWindow, options.PermitLimit, Microseconds(options.Window), options.SegmentsPerWindow, LeaseSize],
        };
        _keyPrefix = $"{redis.Options.KeyPrefix}{name}:{LayoutHash(_leaseArgs)}:";
        _partitions = new PartitionTable<GlobalPartition>(options.MaxPartitions, time);
        _newPartitions = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = RateLimitingConstants.MaxNewGlobalPartitionsPerSecond,
            TokensPerPeriod = RateLimitingConstants.MaxNewGlobalPartitionsPerSecond / 10,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public string Name { get; }

    public RateLimitPolicyOptions Options { get; }

    public string PolicyHeader { get; }

    /// <summary>Tokens taken from Redis per round trip.</summary>
    public int LeaseSize { get; }

    /// <summary>
    /// When a lease is down to this many tokens the next one is fetched in the background, so that requests
    /// rarely wait on Redis; 0 (leases under 4) turns that off.
    /// </summary>
    public int PrefetchAt { get; }

    public static int EffectiveLeaseSize(RateLimitPolicyOptions options)
    {
        var limit = options.Algorithm == RateLimitingConstants.TokenBucket ? options.TokenLimit : options.PermitLimit;
        return options.LeaseSize ?? Math.Clamp(limit / RateLimitingConstants.AutoLeaseDivisor, 1, RateLimitingConstants.MaxAutoLease);
    }

    public ValueTask<RateLimitDecision> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        var state = _partitions.Find(partition);
        if (state is null)
        {
            // A new partition costs a Redis round trip now and a Redis key; past the bound it is decided locally.
            using var lease = _newPartitions.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                return FallbackAsync(partition, RateLimitMetrics.NewPartitionRate, cancellationToken);
            }

            state = _partitions.GetOrAdd(partition, _createPartition, this);
        }

        var start = _time.GetTimestamp();
        if (state.TryTake(start, PrefetchAt, out var remaining, out var prefetch))
        {
            if (prefetch && _redis.IsAvailable)
            {
                _ = state.GetOrStartRefill(this);
            }

            return ValueTask.FromResult(new RateLimitDecision(true, remaining, _fullAfter, null));
        }

        if (state.DeniedUntil > start)
        {
            return ValueTask.FromResult(new RateLimitDecision(false, 0, _time.GetElapsedTime(start, state.DeniedUntil), null));
        }

        if (!_redis.IsAvailable)
        {
            return FallbackAsync(partition, _redis.UnavailableReason, cancellationToken);
        }

        return RefillAndDecideAsync(state, partition, start, cancellationToken);
    }

    private async ValueTask<RateLimitDecision> RefillAndDecideAsync(GlobalPartition state, string partition, long start, CancellationToken cancellationToken)
    {
        var budget = _redis.Options.Timeout;
        while (true)
        {
            var refill = state.GetOrStartRefill(this);
            var left = budget - _time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return await FallbackAsync(partition, RateLimitMetrics.Timeout, cancellationToken);
            }

            bool ok;
            try
            {
                ok = await refill.WaitAsync(left, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return await FallbackAsync(partition, RateLimitMetrics.Timeout, cancellationToken);
            }

            if (!ok)
            {
                return await FallbackAsync(partition, _redis.IsAvailable ? RateLimitMetrics.Error : _redis.UnavailableReason, cancellationToken);
            }

            var now = _time.GetTimestamp();
            if (state.TryTake(now, 0, out var remaining, out _))
            {
                return new RateLimitDecision(true, remaining, _fullAfter, null);
            }

            if (state.DeniedUntil > now)
            {
                return new RateLimitDecision(false, 0, _time.GetElapsedTime(now, state.DeniedUntil), null);
            }

            // Others spent the new lease first; try another while the time budget lasts.
        }
    }

    /// <summary>One lease round trip for <paramref name="state"/>; false when Redis gave no answer in time.</summary>
    internal async Task<bool> RefillAsync(GlobalPartition state)
    {
        var sent = _time.GetTimestamp();
        var answer = await _redis.EvaluateAsync(RedisScripts.Lease, state.Keys, _leaseArgs, _redis.Options.Timeout, RateLimitMetrics.LeaseOperation);
        var result = answer is null ? null : (RedisResult[]?)answer;
        if (result is null)
        {
            return false;
        }

        var granted = (long)result[0];
        var remaining = (long)result[1];
        var waitUs = (long)result[2];
        var validUs = (long)result[3];
        var frequency = _time.TimestampFrequency;

        // Measured from when the call was sent, so a lease never outlives its window here even if the answer
        // was slow to arrive.
        var expires = _isTokenBucket ? sent + _tokenLeaseLifetime : sent + (validUs * frequency / 1_000_000);
        var deniedUntil = granted == 0 ? sent + Math.Max(1, waitUs * frequency / 1_000_000) : 0;
        state.Apply(granted, remaining, expires, deniedUntil, _time.GetTimestamp(), _isTokenBucket, _sameWindowTolerance);
        return true;
    }

    private ValueTask<RateLimitDecision> FallbackAsync(string partition, string reason, CancellationToken cancellationToken)
    {
        _metrics.FellBack(Name, reason);
        var instances = _redis.LiveInstances;
        var fallback = Volatile.Read(ref _fallback);
        if (fallback is null || fallback.Instances != instances)
        {
            var created = new FallbackLimiter(instances, new LocalRateLimitPolicy(Name, Share(Options, instances), _time));
            var previous = Interlocked.CompareExchange(ref _fallback, created, fallback);
            if (previous == fallback)
            {
                previous?.Policy.Dispose();
                fallback = created;
            }
            else
            {
                created.Policy.Dispose();
                fallback = previous!;
            }
        }

        return fallback.Policy.AcquireAsync(partition, cancellationToken);
    }

    /// <summary>This instance's share of a global limit: each limit divided by the live instances, rounded up.</summary>
    public static RateLimitPolicyOptions Share(RateLimitPolicyOptions options, int instances)
    {
        if (instances <= 1)
        {
            return options with { Scope = RateLimitingConstants.Local };
        }

        static int Part(int value, int n) => Math.Max(1, (value + n - 1) / n);
        return options with
        {
            Scope = RateLimitingConstants.Local,
            TokenLimit = Part(options.TokenLimit, instances),
            TokensPerPeriod = Part(options.TokensPerPeriod, instances),
            PermitLimit = Part(options.PermitLimit, instances),
        };
    }

    /// <summary>
    /// The partition's Redis key. The value is hashed: partitions can be API keys, which must not be readable by
    /// whoever can list Redis keys, and a client-sent header must not choose the key's length.
    /// </summary>
    private RedisKey[] KeyFor(string partition)
    {
        return [_keyPrefix + Sha256Hex.Of(partition, 16)];
    }

    /// <summary>
    /// A short hash of the algorithm and its parameters (the lease size aside, which shapes no stored state), part
    /// of every key: an edited policy starts on keys of its own instead of reading another layout's fields (a Lua
    /// error per call) or another segment length's indexes (old segments never pruned); the old keys expire.
    /// </summary>
    internal static string LayoutHash(RedisValue[] leaseArgs) => Sha256Hex.Of(string.Join(':', leaseArgs[..^1]), 4);

    private static long Microseconds(TimeSpan value) => value.Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>Partitions held now: at most <c>MaxPartitions</c>; those unused for a minute are dropped.</summary>
    internal int PartitionCount => _partitions.Count;

    public void Dispose()
    {
        _partitions.Dispose();
        _newPartitions.Dispose();
        Volatile.Read(ref _fallback)?.Policy.Dispose();
    }

    private sealed record FallbackLimiter(int Instances, LocalRateLimitPolicy Policy);
}

/// <summary>One partition's lease on this instance: tokens granted by Redis and not yet spent.</summary>
internal sealed class GlobalPartition(string key, RedisKey[] keys, TimeProvider time) : PartitionEntry(key)
{
    private long _tokens;
    private long _expires;
    private long _deniedUntil;
    private long _remaining;
    private Task<bool>? _refill;

    public RedisKey[] Keys { get; } = keys;

    /// <summary>
    /// Holding no spendable token: its state is then all in Redis. One holding a lease is kept by the idle sweep (its
    /// tokens are the client's); to make room it may still go, which loses the lease (under-admission, never over).
    /// </summary>
    public override bool IsIdle => Volatile.Read(ref _tokens) == 0 || time.GetTimestamp() >= Volatile.Read(ref _expires);

    /// <param name="prefetchAt">Sets <paramref name="prefetch"/> for the one taker that leaves exactly this many tokens.</param>
    public bool TryTake(long now, int prefetchAt, out long remaining, out bool prefetch)
    {
        remaining = 0;
        prefetch = false;
        if (now >= Volatile.Read(ref _expires))
        {
            return false;
        }

        var tokens = Volatile.Read(ref _tokens);
        while (tokens > 0)
        {
            var seen = Interlocked.CompareExchange(ref _tokens, tokens - 1, tokens);
            if (seen == tokens)
            {
                // What Redis has left plus what this instance still holds.
                remaining = Volatile.Read(ref _remaining) + tokens - 1;
                prefetch = prefetchAt > 0 && tokens - 1 == prefetchAt;
                return true;
            }

            tokens = seen;
        }

        return false;
    }

    /// <summary>When Redis expects the next token, after it answered "none left"; 0 otherwise.</summary>
    public long DeniedUntil => Volatile.Read(ref _deniedUntil);

    /// <summary>
    /// Takes a new lease. Tokens still valid from the previous one are kept (a prefetch arrives before they run out)
    /// when they may still be spent: a token bucket's always, a window's only if both leases are of the same
    /// window or segment, since a token granted in one window must not be spent in the next.
    /// </summary>
    public void Apply(long granted, long remaining, long expires, long deniedUntil, long now, bool tokenBucket, long sameWindowTolerance)
    {
        Volatile.Write(ref _remaining, remaining);
        Volatile.Write(ref _deniedUntil, deniedUntil);
        var previous = Volatile.Read(ref _expires);
        if (now < previous && (tokenBucket || Math.Abs(expires - previous) < sameWindowTolerance))
        {
            Interlocked.Add(ref _tokens, granted);
            Volatile.Write(ref _expires, tokenBucket ? expires : Math.Min(expires, previous));
            return;
        }

        // Tokens first, then the expiry that makes them spendable: a reader sees either the old lease or the new.
        Volatile.Write(ref _tokens, granted);
        Volatile.Write(ref _expires, expires);
    }

    /// <summary>The lease call in flight for this partition, or a new one: never two at once per instance.</summary>
    public Task<bool> GetOrStartRefill(GlobalRateLimitPolicy policy)
    {
        var current = Volatile.Read(ref _refill);
        if (current is { IsCompleted: false })
        {
            return current;
        }

        var source = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var installed = Interlocked.CompareExchange(ref _refill, source.Task, current);
        if (installed != current)
        {
            return installed!;
        }

        // Off the request's thread: a client library can block before it hands back its task (a write lock on a
        // dying socket), and the request must still be free to give up after its 5 ms.
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Partition.RunAsync(s.Policy, s.Done), (Partition: this, Policy: policy, Done: source), preferLocal: false);
        return source.Task;

    }

    private async Task RunAsync(GlobalRateLimitPolicy policy, TaskCompletionSource<bool> done)
    {
        try
        {
            done.TrySetResult(await policy.RefillAsync(this));
        }
        catch (Exception)
        {
            // Whatever failed (a malformed answer, a disposed connection, a throwing metrics listener), the refill
            // must end: requests of this partition wait on this task, and one never completed would cost each of
            // them the whole Redis timeout.
            done.TrySetResult(false);
        }
    }
}
