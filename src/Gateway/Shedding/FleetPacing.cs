using System.Collections.Concurrent;
using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.Shedding;

/// <summary>
/// Shares each cluster's refusals and completions per second between gateway instances through Redis, so that every
/// instance sizes its <c>Retry-After</c> window to the fleet's backlog and throughput rather than its own: behind a
/// balancer that spreads a storm unevenly, one instance would otherwise send its clients back sooner than the fleet
/// can serve them and another later. Counts are sent in batches, one round trip per cluster every 250 ms while it
/// refuses or completes anything, off the request path; when Redis is unset, down or does not answer within 250 ms,
/// the fleet's numbers go stale after a second and each instance paces on its own counts again.
/// </summary>
internal sealed class FleetPacing : IDisposable
{
    /// <summary>
    /// KEYS[1] the cluster's counts. ARGV: refusals and completions since the last call. Adds them to this second's
    /// (Redis's clock) and returns { refusals this second, the previous, completions this second, the previous }.
    /// </summary>
    public const string Script = """
        local sec = tonumber(redis.call('TIME')[1])
        local r = tonumber(ARGV[1])
        local c = tonumber(ARGV[2])
        if r > 0 then redis.call('HINCRBY', KEYS[1], 'r' .. sec, r) end
        if c > 0 then redis.call('HINCRBY', KEYS[1], 'c' .. sec, c) end
        local v = redis.call('HMGET', KEYS[1], 'r' .. sec, 'r' .. (sec - 1), 'c' .. sec, 'c' .. (sec - 1))
        redis.call('HDEL', KEYS[1], 'r' .. (sec - 2), 'c' .. (sec - 2))
        redis.call('PEXPIRE', KEYS[1], 5000)
        return { tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0 }
        """;

    private readonly ConcurrentDictionary<string, FleetCounts> _clusters = new(StringComparer.Ordinal);
    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private ITimer? _timer;
    private int _flushing;

    public FleetPacing(RedisConnection redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
    }

    /// <summary>The shared counts of <paramref name="clusterId"/>; null when no Redis is configured.</summary>
    public FleetCounts? For(string clusterId)
    {
        if (!_redis.IsConfigured)
        {
            return null;
        }

        if (Volatile.Read(ref _timer) is null)
        {
            var timer = _time.CreateTimer(static s => _ = ((FleetPacing)s!).FlushAllAsync(), this, SheddingConstants.FleetPacingFlush, SheddingConstants.FleetPacingFlush);
            if (Interlocked.CompareExchange(ref _timer, timer, null) is not null)
            {
                timer.Dispose();
            }
        }

        return _clusters.GetOrAdd(clusterId, static (id, time) => new FleetCounts(id, time), _time);
    }

    internal async Task FlushAllAsync()
    {
        // A flush slower than the interval must not pile up behind itself.
        if (Interlocked.Exchange(ref _flushing, 1) != 0)
        {
            return;
        }

        try
        {
            foreach (var counts in _clusters.Values)
            {
                await FlushAsync(counts);
            }
        }
        finally
        {
            Volatile.Write(ref _flushing, 0);
        }
    }

    /// <summary>One round trip for one cluster, if it has anything to send; the fleet's counts when Redis answered.</summary>
    internal async Task<bool> FlushAsync(FleetCounts counts)
    {
        var (rejections, completions) = counts.TakePending();
        if (rejections == 0 && completions == 0)
        {
            return false;
        }

        RedisKey[] key = [_redis.Options.KeyPrefix + RedisConstants.PacingKeys + counts.ClusterId];
        // Off the request path, so bounded like the heartbeat (250 ms) rather than by the 5 ms a request may wait: a
        // flush that missed 5 ms on a busy machine would count against the breaker that the rate limits share.
        var answer = await _redis.EvaluateAsync(Script, key, [rejections, completions], RedisConstants.HeartbeatTimeout, RedisMetrics.PacingOperation);
        if (answer is null)
        {
            // Redis did not take them (or did, too late to tell): the fleet's numbers go stale and pacing is local.
            return false;
        }

        var values = (long[])answer!;
        counts.Apply(values[0], values[1], values[2], values[3], _time.GetTimestamp());
        return true;
    }

    public void Dispose() => _timer?.Dispose();
}

/// <summary>One cluster's refusals and completions: those not yet sent, and the fleet's last answer.</summary>
internal sealed class FleetCounts(string clusterId, TimeProvider time)
{
    private readonly long _fresh = (long)(SheddingConstants.FleetPacingFresh.TotalSeconds * time.TimestampFrequency);
    private long _pendingRejections;
    private long _pendingCompletions;
    private long _rejections;
    private long _throughput;
    private long _answeredAt = long.MinValue;

    public string ClusterId { get; } = clusterId;

    public void Rejected() => Interlocked.Increment(ref _pendingRejections);

    public void Completed() => Interlocked.Increment(ref _pendingCompletions);

    public (long Rejections, long Completions) TakePending() =>
        (Interlocked.Exchange(ref _pendingRejections, 0), Interlocked.Exchange(ref _pendingCompletions, 0));

    /// <summary>Records the fleet's counts: refusals over this and the previous second, completions the fuller one.</summary>
    public void Apply(long rejectionsNow, long rejectionsBefore, long completionsNow, long completionsBefore, long now)
    {
        Volatile.Write(ref _rejections, rejectionsNow + rejectionsBefore);
        Volatile.Write(ref _throughput, Math.Max(completionsNow, completionsBefore));
        Volatile.Write(ref _answeredAt, now);
    }

    /// <summary>
    /// The fleet's refusals over the last one to two seconds (plus this instance's not yet sent) and its completions
    /// per second, if Redis answered within the last second.
    /// </summary>
    public bool TryGet(long now, out long rejections, out long throughput)
    {
        rejections = Volatile.Read(ref _rejections) + Volatile.Read(ref _pendingRejections);
        throughput = Volatile.Read(ref _throughput);
        var answeredAt = Volatile.Read(ref _answeredAt);
        return answeredAt != long.MinValue && now - answeredAt <= _fresh;
    }
}
