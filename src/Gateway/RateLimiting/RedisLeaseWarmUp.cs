using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>Loads the lease script on every (re)connection and runs one lease before any request needs it.</summary>
internal sealed class RedisLeaseWarmUp : IRedisWarmUp
{
    private static readonly string[] s_scripts = [RedisScripts.Lease];

    public IReadOnlyList<string> Scripts => s_scripts;

    public async Task WarmUpAsync(RedisConnection connection)
    {
        // One lease on a throw-away key runs the request path's Redis side once.
        RedisKey[] warmKey = [connection.Options.KeyPrefix + RedisConstants.RateLimitKeys + "warm-up:" + connection.InstanceId];
        RedisValue[] warmArgs = [RedisScripts.TokenBucket, 1, 1_000_000, 1, 1];
        await connection.EvaluateAsync(RedisScripts.Lease, warmKey, warmArgs, RedisConstants.HeartbeatTimeout, operation: null);
    }
}
