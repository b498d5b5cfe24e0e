namespace Gateway.Redis;

/// <summary>The shared Redis: <c>Gateway:Redis</c>. Read at start-up; a change needs a restart.</summary>
public sealed record RedisOptions
{
    /// <summary>
    /// A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c>. Default none: all state is local and
    /// Global policies act as Local ones.
    /// </summary>
    public string? Configuration { get; init; }

    /// <summary>The longest a request waits on Redis before it is decided locally. Default 5 ms, range 1 ms to 1 s.</summary>
    public TimeSpan Timeout { get; init; } = RedisConstants.DefaultTimeout;

    /// <summary>
    /// How long the circuit around Redis stays open (every decision local) after Redis failed or was slow for
    /// half of at least 10 calls within 2 s. Default 2 s, range 500 ms to 1 min.
    /// </summary>
    public TimeSpan BreakDuration { get; init; } = RedisConstants.DefaultBreakDuration;

    /// <summary>
    /// Root of every key the gateway writes: rate limits under <c>&lt;root&gt;rl:</c>, heartbeats in
    /// <c>&lt;root&gt;instances</c>, drains in <c>&lt;root&gt;drains</c>. Default <c>gw:</c>; non-empty, no <c>{</c> or
    /// <c>}</c> (a Redis Cluster hash tag would put every key in one slot).
    /// </summary>
    public string KeyPrefix { get; init; } = RedisConstants.DefaultKeyPrefix;
}
