namespace Gateway.Redis;

internal static class RedisConstants
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MinBreakDuration = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBreakDuration = TimeSpan.FromMinutes(1);

    // The root of every key; each kind of key has its own prefix under it (issue 19), listed in docs/configuration.md.
    public const string DefaultKeyPrefix = "gw:";

    // Rate limits: <root>rl:<policy>:<layout>:<partition hash>, and <root>rl:warm-up:<instance>. With the default root
    // these are the keys gateways wrote when "gw:rl:" was the prefix of everything, so limits carry over an upgrade.
    public const string RateLimitKeys = "rl:";

    // Shared Retry-After pacing: <root>pace:<cluster>, a hash of refusals and completions per second.
    public const string PacingKeys = "pace:";

    // Heartbeats: one sorted set of live instances.
    public const string InstancesKey = "instances";
    public const double BreakerFailureRatio = 0.5;
    public const int BreakerMinimumThroughput = 10;
    public static readonly TimeSpan BreakerSamplingDuration = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMilliseconds(250);

    // An instance that missed this many heartbeats no longer counts towards the share of a global limit.
    public static readonly TimeSpan InstanceLiveness = TimeSpan.FromSeconds(5);
}
