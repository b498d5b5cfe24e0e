namespace Gateway.RateLimiting;

internal static class RateLimitingConstants
{
    // Algorithm names (Gateway:RateLimiting:Policies:<name>:Algorithm).
    public const string TokenBucket = "TokenBucket";
    public const string SlidingWindow = "SlidingWindow";
    public const string FixedWindow = "FixedWindow";
    public const string Concurrency = "Concurrency";

    // Scope names.
    public const string Local = "Local";
    public const string Global = "Global";

    // PartitionBy values; Header takes a name after the colon.
    public const string ApiKey = "ApiKey";
    public const string ClientIp = "ClientIp";
    public const string HeaderPrefix = "Header:";
    public const string Consumer = "Consumer";
    public const string ClaimPrefix = "Claim:";
    public const string Route = "Route";
    public const string GlobalPartition = "Global";

    public const string ApiKeyHeader = "X-Api-Key";
    public const string ForwardedForHeader = "X-Forwarded-For";

    /// <summary>The partition of every request that lacks the partition value: one shared bucket, never a bypass.</summary>
    public const string MissingPartition = "(missing)";

    public const int DefaultLimit = 100;
    public const int MinLimit = 1;
    public const int MaxLimit = 1_000_000;
    public const int MinQueueLimit = 0;
    public const int MaxQueueLimit = 10_000;
    public const int DefaultSegmentsPerWindow = 4;
    public const int MinSegments = 1;
    public const int MaxSegments = 100;
    public const int MinLeaseSize = 1;
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(1);

    // The local limiters are replenished from a timer; below 10 ms its cost outweighs any use.
    public static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromHours(1);

    // A replenishment tick of a tenth of the period (10-100 ms) bounds how late a window resets, as
    // PartitionedRateLimiter.Create's own 100 ms heartbeat does.
    public static readonly TimeSpan MaxTick = TimeSpan.FromMilliseconds(100);

    // Partitions idle this long are full again; dropping them loses nothing and bounds memory.
    public static readonly TimeSpan IdleEviction = TimeSpan.FromMinutes(1);

    // How often idle partitions are looked for: each look walks every partition, so not on the replenishment tick.
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    // Partitions per policy (MaxPartitions): the default holds 100,000 clients in well under 100 MB.
    public const int DefaultMaxPartitions = 100_000;
    public const int MinMaxPartitions = 100;
    public const int MaxMaxPartitions = 10_000_000;

    // A full table drops its least recently used eighth in one pass, so a pass (a sort of the table) is paid once
    // per eighth of new keys, not once per key.
    public const int EvictionDivisor = 8;

    // Room for partitions added while an eviction pass copies the table.
    public const int EvictionSlack = 64;

    // Last use is recorded at this resolution (see PartitionTable.Touch).
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMilliseconds(10);

    // Partition values longer than this (a header can carry tens of KB) are replaced by a digest of 32 hex digits.
    public const int MaxPartitionKeyLength = 128;

    // A Global policy sends at most this many new partitions a second to Redis (each one a round trip on the request
    // path and a Redis key); more are decided by this instance's share, so a client spraying keys neither grows Redis
    // nor pushes the Redis breaker that every Global policy shares towards open.
    public const int MaxNewGlobalPartitionsPerSecond = 1000;

    // A token-bucket lease is kept until the bucket would have refilled whole, and at least this long.
    public static readonly TimeSpan TokenLeaseLifetime = TimeSpan.FromSeconds(1);

    // Automatic lease: a twentieth of the limit, 1 to 100 tokens.
    public const int AutoLeaseDivisor = 20;
    public const int MaxAutoLease = 100;

    // How long a lease call may take before it counts as failed (towards the Redis breaker) and its answer is
    // dropped. Requests wait only the Redis timeout (5 ms) for it and are then decided without it; the call itself
    // runs on, since Redis may already have counted the tokens it grants: dropping them was the under-admission of
    // issue 19 (93 of 100), and a primary failover in a cluster holds calls for a second or two before it answers.
    public static readonly TimeSpan LeaseAnswerTimeout = TimeSpan.FromSeconds(2);

    // While a lease call is late, an instance admits at most remaining / (this x live instances) past Redis's last
    // answer: the instances' views of "remaining" are of different moments, so the sum of their allowances must
    // stay well under any one of them; near the limit (remaining under this x instances) it admits nothing.
    public const int SlowAllowanceDivisor = 4;

    // Partitions whose unspent lease a disposed policy gives back (a round trip each, in the background); the rest
    // expire with their window.
    public const int MaxLeaseReturns = 10_000;

    // The next lease is fetched in the background when a quarter of the current one is left.
    public const int PrefetchDivisor = 4;

    // Retry-After: whole seconds, at least 1, plus up to half again (at least 1 s) of jitter.
    public const int MinRetryAfterSeconds = 1;

    // Values of the decisions' MetricTags.Outcome.
    public const string Allowed = "allowed";
    public const string Rejected = "rejected";
}
