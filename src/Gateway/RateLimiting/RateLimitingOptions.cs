namespace Gateway.RateLimiting;

/// <summary>Rate-limit policies: <c>Gateway:RateLimiting</c>.</summary>
public sealed record RateLimitingOptions
{
    /// <summary>
    /// Named policies, referenced by a route's <c>RateLimiterPolicy</c> (YARP's field); names are case-insensitive.
    /// Default none.
    /// </summary>
    public IReadOnlyDictionary<string, RateLimitPolicyOptions> Policies { get; init; } =
        new Dictionary<string, RateLimitPolicyOptions>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// One rate-limit policy: <c>Gateway:RateLimiting:Policies:&lt;name&gt;</c>. Fields that do not belong to the
/// chosen <see cref="Algorithm"/> are ignored.
/// </summary>
public sealed record RateLimitPolicyOptions
{
    /// <summary><c>TokenBucket</c> (default), <c>SlidingWindow</c>, <c>FixedWindow</c> or <c>Concurrency</c>.</summary>
    public string Algorithm { get; init; } = RateLimitingConstants.TokenBucket;

    /// <summary>
    /// What one bucket is for: <c>ClientIp</c> (default), <c>ApiKey</c> (header <c>X-Api-Key</c>),
    /// <c>Header:&lt;name&gt;</c>, <c>Consumer</c> (the consumer the route's identity policy proved),
    /// <c>Claim:&lt;name&gt;</c> (a claim of the verified token), <c>Route</c> or <c>Global</c> (one bucket for all). Requests without the value
    /// share one bucket, <c>(missing)</c>, with the same limit.
    /// </summary>
    public string PartitionBy { get; init; } = RateLimitingConstants.ClientIp;

    /// <summary>
    /// <c>Local</c> (default: this instance's memory) or <c>Global</c> (shared by every instance through
    /// <c>Gateway:Redis</c>; without Redis it behaves as <c>Local</c>). <c>Concurrency</c> is always local.
    /// </summary>
    public string Scope { get; init; } = RateLimitingConstants.Local;

    /// <summary>TokenBucket: the bucket's size (the burst). Default 100, range 1 to 1,000,000.</summary>
    public int TokenLimit { get; init; } = RateLimitingConstants.DefaultLimit;

    /// <summary>TokenBucket: tokens added each <see cref="ReplenishmentPeriod"/>. Default 100, range 1 to 1,000,000.</summary>
    public int TokensPerPeriod { get; init; } = RateLimitingConstants.DefaultLimit;

    /// <summary>TokenBucket: how often <see cref="TokensPerPeriod"/> tokens are added. Default 1 s, range 10 ms to 1 h.</summary>
    public TimeSpan ReplenishmentPeriod { get; init; } = RateLimitingConstants.DefaultPeriod;

    /// <summary>
    /// SlidingWindow and FixedWindow: requests per <see cref="Window"/>; Concurrency: requests in flight at once.
    /// Default 100, range 1 to 1,000,000.
    /// </summary>
    public int PermitLimit { get; init; } = RateLimitingConstants.DefaultLimit;

    /// <summary>SlidingWindow and FixedWindow: the window. Default 1 s, range 10 ms to 1 h.</summary>
    public TimeSpan Window { get; init; } = RateLimitingConstants.DefaultPeriod;

    /// <summary>
    /// SlidingWindow: segments the window slides by. Default 4, range 1 to 100, and <see cref="Window"/> divided
    /// by it at least 10 ms.
    /// </summary>
    public int SegmentsPerWindow { get; init; } = RateLimitingConstants.DefaultSegmentsPerWindow;

    /// <summary>
    /// Local scope: requests that may wait for a permit (oldest first) instead of being refused. Default 0 (refuse
    /// at once), range 0 to 10,000. Must be 0 with Global scope: a queue would hold requests on Redis.
    /// </summary>
    public int QueueLimit { get; init; }

    /// <summary>
    /// Global scope: the most tokens one instance takes from Redis at a time and spends locally; Redis grants fewer
    /// as the budget runs low (what is left / (2 x live instances), at least 1). Default automatic (a twentieth of the
    /// limit, 1 to 100); range 1 to the limit. The next lease is fetched in the background when a quarter is left. A
    /// token bucket may admit up to (instances x 1.25 x LeaseSize) more than its own math in any interval, and keeps
    /// an unspent lease until the bucket would have refilled whole; windows never exceed their limit.
    /// </summary>
    public int? LeaseSize { get; init; }

    /// <summary>
    /// Partitions (buckets) this policy holds per instance; when full, the least recently used eighth is dropped (idle
    /// ones first), so a client rotating keys cannot grow memory without a bound. Default 100,000, range 100 to
    /// 10,000,000.
    /// </summary>
    public int MaxPartitions { get; init; } = RateLimitingConstants.DefaultMaxPartitions;
}
