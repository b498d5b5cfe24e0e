using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Failover;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Redis;
using SampleBackend;
using StackExchange.Redis;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 6: local drains ignored case and the Redis set did not, so <c>drain EU-WEST</c> then
/// <c>undrain eu-west</c> left <c>EU-WEST</c> in Redis and the next resync drained the region again everywhere.
/// </summary>
public sealed class UndrainOtherCapitalisationTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private SampleBackendHost _backends = null!;

    public async Task InitializeAsync() =>
        _backends = await Backends.StartAsync("eu-1@eu-west", "us-1@us-east");

    [Fact]
    public async Task DrainedInCapitals_UndrainedInLowerCase_UndrainedOnEveryInstanceAndInRedis()
    {
        var prefix = $"drain-case-{Guid.NewGuid():N}:";
        await using var first = await StartGatewayAsync(prefix);
        await using var second = await StartGatewayAsync(prefix);
        await RedisTestConfig.WaitForLiveInstancesAsync(first, 2);
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var set = new RedisKey(prefix + "drains");

        using var drain = await first.Admin.PostAsync("/admin/regions/EU-WEST/drain", null);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        await Eventually.TrueAsync(async () => (await DrainedAsync(second)).Length == 1, TimeSpan.FromSeconds(3));
        using var undrain = await second.Admin.PostAsync("/admin/regions/eu-west/undrain", null);

        Assert.Contains("\"shared\": true", await undrain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await client.GetDatabase().SetMembersAsync(set));
        await Eventually.TrueAsync(async () => await DrainedAsync(first) is [] && await DrainedAsync(second) is [], TimeSpan.FromSeconds(3));
        using var body = JsonDocument.Parse(await drain.Content.ReadAsStringAsync());
        Assert.Equal("eu-west", body.RootElement.GetProperty("region").GetString());
    }

    [Fact]
    public async Task RollingUpgrade_DrainInTheLegacySet_ReadAndUndrainedFromBoth()
    {
        // Issue 19: drains moved from <root>rl:drains (gw:rl:drains, where gateways before it kept them) to
        // <root>drains; a drain an old instance set must still count, and an undrain must clear both.
        var prefix = $"drain-legacy-{Guid.NewGuid():N}:";
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var legacy = new RedisKey(prefix + "rl:drains");
        await client.GetDatabase().SetAddAsync(legacy, "eu-west");
        await using var gateway = await StartGatewayAsync(prefix);
        await Eventually.TrueAsync(async () => (await DrainedAsync(gateway)).Length == 1, TimeSpan.FromSeconds(5));

        using var drain = await gateway.Admin.PostAsync("/admin/regions/us-east/drain", null);
        Assert.Contains("us-east", (await client.GetDatabase().SetMembersAsync(legacy)).Select(m => m.ToString()));
        using var undrain = await gateway.Admin.PostAsync("/admin/regions/eu-west/undrain", null);

        Assert.Contains("\"shared\": true", await undrain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("eu-west", (await client.GetDatabase().SetMembersAsync(legacy)).Select(m => m.ToString()));
        Assert.DoesNotContain("eu-west", (await client.GetDatabase().SetMembersAsync(prefix + "drains")).Select(m => m.ToString()));
        Assert.Single(await DrainedAsync(gateway));
    }

    [Fact]
    public async Task Undrain_RedisHoldsTheRegionInAnotherSpelling_RemovesIt()
    {
        var prefix = $"drain-case-{Guid.NewGuid():N}:";
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var set = new RedisKey(prefix + "drains");
        // As a gateway before this fix stored it.
        await client.GetDatabase().SetAddAsync(set, "EU-WEST");
        await using var gateway = await StartGatewayAsync(prefix);
        await Eventually.TrueAsync(async () => (await DrainedAsync(gateway)).Length == 1, TimeSpan.FromSeconds(5));

        using var undrain = await gateway.Admin.PostAsync("/admin/regions/eu-west/undrain", null);

        Assert.Contains("\"shared\": true", await undrain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await client.GetDatabase().SetMembersAsync(set));
        Assert.Empty(await DrainedAsync(gateway));
    }

    private Task<GatewayTestHost> StartGatewayAsync(string keyPrefix)
    {
        var config = RegionFailoverTests.Config(_backends.Instances, failbackDelay: "00:00:00", slowStart: "00:00:00");
        return GatewayTestHost.StartAsync(RedisTestConfig.WithRedis(config, redis.Configuration, keyPrefix: keyPrefix));
    }

    private static async Task<string?[]> DrainedAsync(GatewayTestHost gateway)
    {
        using var regions = await gateway.GetAdminJsonAsync("/admin/regions");
        return [.. regions.RootElement.GetProperty("drained").EnumerateArray().Select(r => r.GetString())];
    }

    public async Task DisposeAsync() => await _backends.DisposeAsync();
}
