using Gateway.Redis;
using StackExchange.Redis;

namespace Gateway.Failover;

/// <summary>
/// Shares region drains between gateway instances through the configured Redis: the drained regions are a Redis set
/// (so a drain survives a restart of any or all instances), a change is published on a channel so every instance
/// reloads the set at once, and each instance reloads it every few seconds as well in case a message was missed
/// while it was disconnected. Without Redis, or while it is down, drains stay local to the instance that got them.
/// </summary>
/// <remarks>
/// Keys: <c>&lt;root&gt;drains</c> (set and channel). Gateways before issue 19 used <c>gw:rl:drains</c> (all keys then
/// shared the rate limits' prefix), which is <c>&lt;root&gt;rl:drains</c> with the default root: for a rolling upgrade
/// this instance also reads, writes and listens to that legacy set and channel, so a drain set on an old instance
/// reaches new ones and the other way round. Drop the legacy key once no gateway before issue 19 runs.
/// </remarks>
internal sealed class RegionDrainSync(
    RedisConnection redis,
    RegionDrains drains,
    TimeProvider time,
    ILogger<RegionDrainSync> logger) : IHostedService, IDisposable
{
    private readonly string _setKey = redis.Options.KeyPrefix + FailoverConstants.DrainsRedisKey;
    private readonly RedisChannel _channel = RedisChannel.Literal(redis.Options.KeyPrefix + FailoverConstants.DrainsRedisKey);
    private readonly string _legacySetKey = redis.Options.KeyPrefix + RedisConstants.RateLimitKeys + FailoverConstants.DrainsRedisKey;
    private readonly RedisChannel _legacyChannel = RedisChannel.Literal(redis.Options.KeyPrefix + RedisConstants.RateLimitKeys + FailoverConstants.DrainsRedisKey);
    private ITimer? _timer;
    private ConnectionMultiplexer? _subscribed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis.IsConfigured)
        {
            _timer = time.CreateTimer(static s => _ = ((RegionDrainSync)s!).RefreshAsync(), this, TimeSpan.Zero, FailoverConstants.DrainResyncInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Applies an operator's drain or undrain here and, when Redis is reachable, on every instance.</summary>
    /// <returns>Whether the change reached Redis (false: local to this instance).</returns>
    public async Task<bool> ChangeAsync(string region, bool drain)
    {
        if (drain)
        {
            drains.Drain(region);
        }
        else
        {
            drains.Undrain(region);
        }

        if (redis.Connection is not { IsConnected: true } connection)
        {
            return false;
        }

        try
        {
            var database = connection.GetDatabase();
            foreach (var key in (string[])[_setKey, _legacySetKey])
            {
                var write = drain ? database.SetAddAsync(key, region) : RemoveAnySpellingAsync(database, key, region);
                await write.WaitAsync(FailoverConstants.DrainRedisTimeout, time);
            }

            var subscriber = connection.GetSubscriber();
            await subscriber.PublishAsync(_channel, region).WaitAsync(FailoverConstants.DrainRedisTimeout, time);
            await subscriber.PublishAsync(_legacyChannel, region).WaitAsync(FailoverConstants.DrainRedisTimeout, time);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.DrainNotShared(logger, region, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Removes the region from the set however it is capitalised there, as the local set matches it: a gateway before
    /// drains were stored as the config spells them may have left another spelling, which every resync would
    /// otherwise drain again.
    /// </summary>
    private static async Task RemoveAnySpellingAsync(IDatabase database, string key, string region)
    {
        var members = await database.SetMembersAsync(key);
        var spellings = new List<RedisValue>(1) { region };
        foreach (var member in members)
        {
            if (!member.IsNullOrEmpty && string.Equals(member.ToString(), region, StringComparison.OrdinalIgnoreCase) && member != region)
            {
                spellings.Add(member);
            }
        }

        await database.SetRemoveAsync(key, [.. spellings]);
    }

    private async Task RefreshAsync()
    {
        if (redis.Connection is not { IsConnected: true } connection)
        {
            return;
        }

        try
        {
            if (!ReferenceEquals(Volatile.Read(ref _subscribed), connection))
            {
                // The client library re-subscribes by itself after a reconnect; this runs once per connection.
                await connection.GetSubscriber().SubscribeAsync(_channel, (_, _) => _ = LoadAsync(connection));
                await connection.GetSubscriber().SubscribeAsync(_legacyChannel, (_, _) => _ = LoadAsync(connection));
                Volatile.Write(ref _subscribed, connection);
            }

            await LoadAsync(connection);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.DrainsNotLoaded(logger, ex.Message);
        }
    }

    private async Task LoadAsync(ConnectionMultiplexer connection)
    {
        try
        {
            var database = connection.GetDatabase();
            var members = await database.SetMembersAsync(_setKey).WaitAsync(FailoverConstants.DrainRedisTimeout, time);
            var legacy = await database.SetMembersAsync(_legacySetKey).WaitAsync(FailoverConstants.DrainRedisTimeout, time);
            var regions = new List<string>(members.Length + legacy.Length);
            foreach (var member in members.Concat(legacy))
            {
                if (!member.IsNullOrEmpty && !regions.Contains(member.ToString(), StringComparer.OrdinalIgnoreCase))
                {
                    regions.Add(member.ToString());
                }
            }

            if (drains.Replace(regions))
            {
                Log.DrainsLoaded(logger, regions);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.DrainsNotLoaded(logger, ex.Message);
        }
    }
}
