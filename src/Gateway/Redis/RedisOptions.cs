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

    /// <summary>Prefix of every key the gateway writes. Default <c>gw:rl:</c>; non-empty.</summary>
    public string KeyPrefix { get; init; } = RedisConstants.DefaultKeyPrefix;
}
