using System.Threading.RateLimiting;
using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.Identity;

/// <summary>
/// Consumers a fleet shares through Redis (<c>Gateway:Identity:RedisConsumers</c>): an API key unknown to the config is
/// looked up in the hash <c>&lt;Gateway:Redis:KeyPrefix&gt;consumers</c>, field the key's SHA-256 hex, value the consumer
/// name (<c>HSET gw:rl:consumers &lt;hash&gt; acme</c>). Answers are cached (a consumer for a minute, an unknown key
/// for 10 s), lookups wait at most <c>Gateway:Redis:Timeout</c>, and at most 1,000 new lookups a second leave the
/// instance: a spray of random keys costs Redis no more than that, and this instance no more than one bounded cache.
/// With Redis slow or gone, keys only Redis knows are refused; the config's consumers keep working.
/// </summary>
internal sealed class RedisConsumerLookup : IDisposable
{
    private const string Script = "return redis.call('HGET', KEYS[1], ARGV[1])";
    private const string Operation = "consumer_lookup";

    private static readonly TimeSpan s_knownFor = TimeSpan.FromMinutes(1);

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly TokenCache _answers;
    private readonly TokenBucketRateLimiter _lookups;
    private readonly RedisKey[] _keys;

    public RedisConsumerLookup(RedisConnection redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
        _answers = new TokenCache(IdentityConstants.DefaultTokenCacheSize, time);
        _keys = [redis.Options.KeyPrefix + IdentityConstants.RedisConsumersKey];
        _lookups = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = IdentityConstants.MaxRedisLookupsPerSecond,
            TokensPerPeriod = IdentityConstants.MaxRedisLookupsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>Whether Redis is configured at all.</summary>
    public bool IsConfigured => _redis.IsConfigured;

    /// <summary>The cached answer for <paramref name="hash"/>: true with the identity (null: unknown) when cached.</summary>
    public bool TryCached(ReadOnlySpan<char> hash, out GatewayIdentity? identity) =>
        _answers.TryGet(hash, out identity);

    /// <summary>Asks Redis who owns the key with SHA-256 <paramref name="hash"/>; null when nobody (or Redis cannot say).</summary>
    public async ValueTask<GatewayIdentity?> FindAsync(string hash)
    {
        using var lease = _lookups.AttemptAcquire();
        if (!lease.IsAcquired || !_redis.IsAvailable)
        {
            // Not cached: Redis did not say the key is unknown, only that it was not asked.
            return null;
        }

        var answer = await _redis.EvaluateAsync(Script, _keys, [hash], _redis.Options.Timeout, Operation);
        if (answer is null)
        {
            return null;
        }

        var name = (string?)answer;
        if (name is not null && JwtValidator.IsHeaderSafe(name))
        {
            var identity = GatewayIdentity.ForConsumer(name);
            _answers.Add(hash, identity, _time.GetUtcNow() + s_knownFor);
            return identity;
        }

        _answers.Add(hash, null, _time.GetUtcNow() + IdentityConstants.RefusalCacheTime);
        return null;
    }

    public void Dispose() => _lookups.Dispose();
}
