using System.Net;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Redis;
using SampleBackend;

namespace Gateway.FunctionalTests.Failover;

/// <summary>Two gateway instances sharing a real redis-server: a drain given to one reaches the other and outlives restarts.</summary>
public sealed class SharedDrainTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private SampleBackendHost _backends = null!;

    public async Task InitializeAsync() =>
        _backends = await Backends.StartAsync("eu-1@eu-west", "us-1@us-east");

    private Task<GatewayTestHost> StartGatewayAsync(string keyPrefix)
    {
        var config = RegionFailoverTests.Config(_backends.Instances, failbackDelay: "00:00:00", slowStart: "00:00:00");
        return GatewayTestHost.StartAsync(RedisTestConfig.WithRedis(config, redis.Configuration, keyPrefix: keyPrefix));
    }

    [Fact]
    public async Task Drain_OnOneInstance_ReachesTheOtherWithinASecondAndSurvivesARestart()
    {
        var prefix = $"drain-test-{Guid.NewGuid():N}:";
        await using var first = await StartGatewayAsync(prefix);
        var second = await StartGatewayAsync(prefix);
        try
        {
            await Eventually.TrueAsync(async () => await RegionOfAsync(second) == "eu-west");
            // Both instances must hold their Redis subscription before the drain is published.
            await Task.Delay(2500);

            using var drain = await first.Admin.PostAsync("/admin/regions/eu-west/drain", null);
            Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
            Assert.Contains("\"shared\": true", await drain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Eventually.TrueAsync(async () => await RegionOfAsync(second) == "us-east", TimeSpan.FromSeconds(1));
            var reachedAfter = clock.Elapsed;

            await second.DisposeAsync();
            second = await StartGatewayAsync(prefix);
            await Eventually.TrueAsync(async () =>
            {
                using var regions = await second.GetAdminJsonAsync("/admin/regions");
                return regions.RootElement.GetProperty("drained").EnumerateArray().Any(r => r.GetString() == "eu-west");
            });
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal("us-east", await RegionOfAsync(second));
            }

            using var undrain = await second.Admin.PostAsync("/admin/regions/eu-west/undrain", null);
            await Eventually.TrueAsync(async () => await RegionOfAsync(first) == "eu-west", TimeSpan.FromSeconds(2));
            Assert.True(reachedAfter < TimeSpan.FromSeconds(1), $"drain reached the other instance after {reachedAfter}");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Drain_RedisDown_AppliesLocallyAndSaysSo()
    {
        var config = RedisTestConfig.WithRedis(
            RegionFailoverTests.Config(_backends.Instances, failbackDelay: "00:00:00", slowStart: "00:00:00"),
            $"127.0.0.1:{FreePort.Next()},abortConnect=false,connectTimeout=200");
        await using var gateway = await GatewayTestHost.StartAsync(config);

        using var drain = await gateway.Admin.PostAsync("/admin/regions/eu-west/drain", null);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Contains("\"shared\": false", await drain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("us-east", await RegionOfAsync(gateway));
    }

    private static async Task<string?> RegionOfAsync(GatewayTestHost gateway)
    {
        var (response, echo) = await gateway.GetAsync("/api/where");
        using (response)
        {
            return echo?.Region;
        }
    }

    public async Task DisposeAsync() => await _backends.DisposeAsync();
}
