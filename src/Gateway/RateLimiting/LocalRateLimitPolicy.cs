using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>A policy kept in this instance's memory (Scope <c>Local</c>): System.Threading.RateLimiting per partition.</summary>
internal sealed class LocalRateLimitPolicy : IRateLimitPolicy
{
    private readonly LocalPartitionedRateLimiter _limiter;
    private readonly TimeSpan _fullAfter;
    private readonly TimeSpan _defaultRetry;

    // Only a Concurrency permit must be given back; the others' leases hold nothing.
    private readonly bool _keepsLease;

    public LocalRateLimitPolicy(string name, RateLimitPolicyOptions options, TimeProvider time)
    {
        Name = name;
        Options = options;
        PolicyHeader = RateLimitHeaders.Policy(name, options);
        _limiter = new LocalPartitionedRateLimiter(options, time);
        _fullAfter = RateLimitHeaders.FullAfter(options);
        _defaultRetry = LocalPartitionedRateLimiter.ReplenishmentPeriod(options) ?? TimeSpan.FromSeconds(1);
        _keepsLease = options.Algorithm == RateLimitingConstants.Concurrency;
    }

    public string Name { get; }

    public RateLimitPolicyOptions Options { get; }

    public string PolicyHeader { get; }

    internal LocalPartitionedRateLimiter Limiter => _limiter;

    public ValueTask<RateLimitDecision> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        var limiter = _limiter.GetLimiter(partition);
        if (Options.QueueLimit == 0)
        {
            return ValueTask.FromResult(Decide(limiter, limiter.AttemptAcquire(1)));
        }

        var pending = limiter.AcquireAsync(1, cancellationToken);
        return pending.IsCompletedSuccessfully
            ? ValueTask.FromResult(Decide(limiter, pending.Result))
            : AwaitAsync(limiter, pending);
    }

    private async ValueTask<RateLimitDecision> AwaitAsync(RateLimiter limiter, ValueTask<RateLimitLease> pending) =>
        Decide(limiter, await pending);

    private RateLimitDecision Decide(RateLimiter limiter, RateLimitLease lease)
    {
        var remaining = limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
        if (lease.IsAcquired)
        {
            var keep = _keepsLease ? lease : null;
            if (keep is null)
            {
                lease.Dispose();
            }

            return new RateLimitDecision(true, remaining, _fullAfter, keep);
        }

        var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : _defaultRetry;
        lease.Dispose();
        return new RateLimitDecision(false, remaining, retry, null);
    }

    public void Dispose() => _limiter.Dispose();
}
