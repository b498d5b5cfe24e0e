namespace Gateway.Redis;

internal static class RedisConstants
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MinBreakDuration = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBreakDuration = TimeSpan.FromMinutes(1);

    // "rl" because the rate limits were the first to use Redis; the keys written under it are a contract now.
    public const string DefaultKeyPrefix = "gw:rl:";
    public const double BreakerFailureRatio = 0.5;
    public const int BreakerMinimumThroughput = 10;
    public static readonly TimeSpan BreakerSamplingDuration = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMilliseconds(250);

    // An instance that missed this many heartbeats no longer counts towards the share of a global limit.
    public static readonly TimeSpan InstanceLiveness = TimeSpan.FromSeconds(5);
}
