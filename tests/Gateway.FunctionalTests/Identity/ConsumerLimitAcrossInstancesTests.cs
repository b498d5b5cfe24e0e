using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Gateway.FunctionalTests.Identity.IdentityTestConfig;

namespace Gateway.FunctionalTests.Identity;

/// <summary>A rate limit per authenticated consumer, shared by two gateway instances through one real redis-server.</summary>
public sealed class ConsumerLimitAcrossInstancesTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task TwoInstances_OneConsumerWithTwoKeys_AdmittedItsLimitOnce_OtherConsumerUnaffected()
    {
        const int limit = 20;
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = ApiKeys(backends.Instances);
        config["ReverseProxy"]!["Routes"]!["api"]!["RateLimiterPolicy"] = "per-consumer";
        config["Gateway"]!["RateLimiting"] = new JsonObject
        {
            ["Policies"] = new JsonObject
            {
                ["per-consumer"] = new JsonObject
                {
                    ["Algorithm"] = "FixedWindow",
                    ["Scope"] = "Global",
                    ["PartitionBy"] = "Consumer",
                    ["PermitLimit"] = limit,
                    // Windows are aligned to Redis time; 10 min makes crossing a boundary mid-test unlikely.
                    ["Window"] = "00:10:00",
                    ["LeaseSize"] = 1,
                },
            },
        };
        // A generous Redis timeout: a decision taken locally would count against this instance's share instead.
        config = RedisTestConfig.WithRedis(config, redis.Configuration, "00:00:00.200", keyPrefix: $"gw:id:{Guid.NewGuid():N}:");
        await using var one = await GatewayTestHost.StartAsync(config);
        await using var two = await GatewayTestHost.StartAsync(config);
        using var fallbacksOne = new MetricCollector<long>(one.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.ratelimit.redis.fallbacks");
        using var fallbacksTwo = new MetricCollector<long>(two.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.ratelimit.redis.fallbacks");
        await RedisTestConfig.WaitForLiveInstancesAsync(one, 2);
        await RedisTestConfig.WaitForLiveInstancesAsync(two, 2);

        var admitted = 0;
        for (var i = 0; i < 2 * limit; i++)
        {
            // Both of acme's keys, alternately on both instances: one consumer, one bucket.
            using var response = await (i % 2 == 0 ? one : two).Proxy.SendAsync(Get("/api/x", i % 4 < 2 ? AcmeKey : AcmeSecondKey));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {response.StatusCode}");
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        using var globex = await two.Proxy.SendAsync(Get("/api/x", GlobexKey));

        var fallbacks = fallbacksOne.GetMeasurementSnapshot().Count + fallbacksTwo.GetMeasurementSnapshot().Count;
        // Each instance holds at most one leased permit unspent; a fallback decision may pass one more.
        Assert.InRange(admitted, limit - 2, limit + fallbacks);
        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
    }
}
