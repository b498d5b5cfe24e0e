using System.Threading.RateLimiting;
using Gateway.Redis;
using Gateway.Utilities;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>
/// A policy shared by every gateway instance through Redis (Scope <c>Global</c>). Tokens are taken from Redis in
/// adaptive leases (up to <see cref="LeaseSize"/> far from the limit, one token near it) and spent locally, so most
/// requests make no round trip; at most one lease call per partition is in flight per instance. When Redis is
/// unusable the decision is taken by a local limiter holding this instance's share of the limit (limit / live
/// instances); when it is only slower than its timeout, see <see cref="WhileSlowAsync"/>.
/// </summary>
/// <remarks>
/// Exactness. Tokens leave Redis's bucket when leased, and what is admitted without Redis while it is slow is paid
/// from the late lease or charged with the next call, so what passes equals what Redis counted. The excess is
/// bounded by: lease tokens of a token bucket granted before an interval and spent inside it (an instance holds at
/// most LeaseSize + LeaseSize/4); while Redis is slow, the local share before a window's first answer and at most a
/// quarter of what Redis last said was left; while Redis is down, the local share. Unspent lease tokens are lost only
/// when a window ends, when a bucket's lease outlives its refill time (at least 1 s, so a slow quota over many
/// instances is not lost one lease per request), or when the partition is dropped to make room. Issue 19 measured
/// 93 and 102 of 100 before: lease calls past the 5 ms bound were abandoned after Redis had counted them, and the
/// requests were admitted by the local share uncharged.
/// </remarks>
internal sealed class GlobalRateLimitPolicy : IRateLimitPolicy
{
    private readonly PartitionTable<GlobalPartition> _partitions;
    private readonly Func<string, GlobalRateLimitPolicy, GlobalPartition> _createPartition = static (key, policy) => new GlobalPartition(key, policy.KeyFor(key), policy._time);
    private readonly TokenBucketRateLimiter _newPartitions;
    private readonly RedisConnection _redis;
    private readonly RateLimitMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly RedisValue[] _layout;
    private readonly string _keyPrefix;
    private readonly TimeSpan _fullAfter;
    private readonly long _tokenLeaseLifetime;
    private readonly long _debtLifetime;
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
        // What was admitted without Redis is charged later only while it still counts against the limit: a window's
        // for the window, a bucket's until the bucket would have refilled whole anyway.
        _debtLifetime = _isTokenBucket ? _tokenLeaseLifetime : (long)(options.Window.TotalSeconds * time.TimestampFrequency);
        LeaseSize = EffectiveLeaseSize(options);
        PrefetchAt = LeaseSize / RateLimitingConstants.PrefetchDivisor;
        _layout = options.Algorithm switch
        {
            RateLimitingConstants.TokenBucket =>
                [RedisScripts.TokenBucket, options.TokenLimit, Microseconds(options.ReplenishmentPeriod), options.TokensPerPeriod],
            RateLimitingConstants.FixedWindow =>
                [RedisScripts.FixedWindow, options.PermitLimit, Microseconds(options.Window), 1],
            _ => [RedisScripts.SlidingWindow, options.PermitLimit, Microseconds(options.Window), options.SegmentsPerWindow],
        };
        _keyPrefix = $"{redis.Options.KeyPrefix}{RedisConstants.RateLimitKeys}{name}:{LayoutHash(_layout)}:";
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

    /// <summary>
    /// The most tokens taken from Redis per round trip. Redis grants fewer as the budget runs low (at most what is
    /// left divided by twice the live instances, at least one), so leases shrink to one token near the limit.
    /// </summary>
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

            // A request waits at most the Redis timeout, counted from when it arrived or from when the lease call it
            // waits on was sent, whichever is later: behind a call already late, it is decided at once.
            var left = budget - _time.GetElapsedTime(Math.Max(start, state.RefillStarted));
            if (left <= TimeSpan.Zero)
            {
                return await WhileSlowAsync(state, partition, cancellationToken);
            }

            bool ok;
            try
            {
                ok = await refill.WaitAsync(left, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return await WhileSlowAsync(state, partition, cancellationToken);
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

    /// <summary>
    /// The decision while the lease call is still out (Redis slow, not down). The call is not abandoned: its tokens
    /// arrive and are spent later, so Redis's count and what is admitted stay equal. Meanwhile a request is admitted
    /// against Redis's last answer (this instance's share of what was left), or, with no answer for this window yet,
    /// by this instance's share of the limit; either way it is charged to Redis with the next lease call.
    /// </summary>
    private ValueTask<RateLimitDecision> WhileSlowAsync(GlobalPartition state, string partition, CancellationToken cancellationToken)
    {
        _metrics.FellBack(Name, RateLimitMetrics.Timeout);
        var now = _time.GetTimestamp();
        var expires = state.Expires;
        if (now < expires)
        {
            return ValueTask.FromResult(state.TryTakeWhileSlow(now, _redis.LiveInstances, now + _debtLifetime)
                ? new RateLimitDecision(true, 0, _fullAfter, null)
                : new RateLimitDecision(false, 0, _time.GetElapsedTime(now, expires), null));
        }

        return ChargedFallbackAsync(state, partition, now, cancellationToken);
    }

    private async ValueTask<RateLimitDecision> ChargedFallbackAsync(GlobalPartition state, string partition, long now, CancellationToken cancellationToken)
    {
        var decision = await Fallback().AcquireAsync(partition, cancellationToken);
        if (decision.Allowed)
        {
            state.AddDebt(1, now + _debtLifetime);
        }

        return decision;
    }

    /// <summary>One lease round trip for <paramref name="state"/>; false when Redis gave no answer in time.</summary>
    internal async Task<bool> RefillAsync(GlobalPartition state)
    {
        var sent = _time.GetTimestamp();
        var debt = state.TakeDebt(sent);
        RedisValue[] args = [_layout[0], _layout[1], _layout[2], _layout[3], LeaseSize, _redis.LiveInstances, debt];
        var answer = await _redis.EvaluateAsync(RedisScripts.Lease, state.Keys, args, RateLimitingConstants.LeaseAnswerTimeout, RateLimitMetrics.LeaseOperation);
        var result = answer is null ? null : (RedisResult[]?)answer;
        if (result is null)
        {
            // Perhaps recorded, perhaps not: charging it again errs towards admitting less.
            if (debt > 0)
            {
                state.AddDebt(debt, sent + _debtLifetime);
            }

            return false;
        }

        var granted = (long)result[0];
        var remaining = (long)result[1];
        var waitUs = (long)result[2];
        var validUs = (long)result[3];
        var index = (long)result[4];
        var frequency = _time.TimestampFrequency;

        // Measured from when the call was sent, so a lease never outlives its window here even if the answer
        // was slow to arrive.
        var expires = _isTokenBucket ? sent + _tokenLeaseLifetime : sent + (validUs * frequency / 1_000_000);
        var deniedUntil = granted == 0 ? sent + Math.Max(1, waitUs * frequency / 1_000_000) : 0;
        state.Apply(granted, remaining, expires, deniedUntil, index, _time.GetTimestamp(), _isTokenBucket);
        return true;
    }

    /// <summary>Gives <paramref name="tokens"/> of a lease of window (or segment) <paramref name="index"/> back to Redis.</summary>
    internal async Task<bool> ReturnAsync(GlobalPartition partition, long tokens, long index)
    {
        try
        {
            RedisValue[] args = [_layout[0], _layout[1], _layout[2], _layout[3], 0, 1, 0, tokens, index];
            return await _redis.EvaluateAsync(RedisScripts.Lease, partition.Keys, args, RateLimitingConstants.LeaseAnswerTimeout, RateLimitMetrics.ReturnOperation) is not null;
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the connection went first; the tokens expire with their window instead.
            return false;
        }
    }

    private ValueTask<RateLimitDecision> FallbackAsync(string partition, string reason, CancellationToken cancellationToken)
    {
        _metrics.FellBack(Name, reason);
        return Fallback().AcquireAsync(partition, cancellationToken);
    }

    private LocalRateLimitPolicy Fallback()
    {
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

        return fallback.Policy;
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
    internal static string LayoutHash(RedisValue[] layout) => Sha256Hex.Of(string.Join(':', layout), 4);

    private static long Microseconds(TimeSpan value) => value.Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>Partitions held now: at most <c>MaxPartitions</c>; those unused for a minute are dropped.</summary>
    internal int PartitionCount => _partitions.Count;

    public void Dispose()
    {
        // A reload that replaces this policy, or a shutdown: tokens this instance holds would be lost to the fleet
        // until their window ends (or the bucket's lease expires), so they go back to Redis, in the background.
        if (_redis.IsAvailable)
        {
            var now = _time.GetTimestamp();
            var returned = 0;
            foreach (var partition in _partitions.Entries)
            {
                var unspent = partition.TakeUnspent(now, out var index);
                if (unspent > 0 && returned++ < RateLimitingConstants.MaxLeaseReturns)
                {
                    _ = ReturnAsync(partition, unspent, index);
                }
            }
        }

        _partitions.Dispose();
        _newPartitions.Dispose();
        Volatile.Read(ref _fallback)?.Policy.Dispose();
    }

    private sealed record FallbackLimiter(int Instances, LocalRateLimitPolicy Policy);
}
