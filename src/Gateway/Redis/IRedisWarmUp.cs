using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// A feature that runs Lua scripts on the shared Redis. Its scripts are loaded whenever the connection is made or
/// restored (a restarted Redis has lost them), then its warm-up runs, before requests need either.
/// </summary>
internal interface IRedisWarmUp
{
    /// <summary>The scripts the feature sends with <see cref="RedisConnection.EvaluateAsync"/>.</summary>
    IReadOnlyList<string> Scripts { get; }

    /// <summary>Runs the feature's Redis path once; failures are only counted.</summary>
    Task WarmUpAsync(RedisConnection connection);
}
