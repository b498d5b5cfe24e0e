using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Redis;
using StackExchange.Redis;
using static Gateway.FunctionalTests.Identity.IdentityTestConfig;

namespace Gateway.FunctionalTests.Identity;

/// <summary>API-key consumers shared by a fleet through a real redis-server.</summary>
public sealed class RedisConsumersTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task KeyAddedInRedis_AcceptedByBothInstances_UnknownKeysRefused()
    {
        const string fleetKey = "fleet-key-7777777777";
        var prefix = $"gw:fleet:{Guid.NewGuid():N}:";
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = ApiKeys(backends.Instances);
        config["Gateway"]!["Identity"]!["RedisConsumers"] = true;
        config = RedisTestConfig.WithRedis(config, redis.Configuration, "00:00:00.200", keyPrefix: prefix);
        await using var one = await GatewayTestHost.StartAsync(config);
        await using var two = await GatewayTestHost.StartAsync(config);
        await RedisTestConfig.WaitForLiveInstancesAsync(one, 2);
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await client.GetDatabase().HashSetAsync(prefix + "consumers", Hash(fleetKey), "initech");

        var statuses = new List<HttpStatusCode>();
        foreach (var gateway in new[] { one, two, one })
        {
            using var response = await gateway.Proxy.SendAsync(Get("/api/x", fleetKey));
            statuses.Add(response.StatusCode);
        }

        using var unknown = await one.Proxy.SendAsync(Get("/api/x", "nobody-has-this-key"));
        using var configured = await two.Proxy.SendAsync(Get("/api/x", AcmeKey));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
    }
}
