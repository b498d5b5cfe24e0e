using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Failover;

/// <summary>Two regions of real sample backends behind the real gateway; a steady stream of GETs while regions die and return.</summary>
public sealed class RegionFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west", "us-1@us-east", "us-2@us-east");
        _gateway = await GatewayTestHost.StartAsync(Config(_backends.Instances, failbackDelay: "00:00:02", slowStart: "00:00:02"));
    }

    internal static JsonObject Config(IEnumerable<BackendInstance> instances, string failbackDelay, string slowStart)
    {
        var config = TestConfig.SingleCluster(instances, activeHealth: true);
        config["ReverseProxy"]!["Clusters"]!["api"]!["Metadata"] = new JsonObject { ["FailoverPolicy"] = "eu-first" };
        config["Gateway"] = new JsonObject
        {
            ["Failover"] = new JsonObject
            {
                ["Policies"] = new JsonObject
                {
                    ["eu-first"] = new JsonObject
                    {
                        ["Regions"] = new JsonArray("eu-west", "us-east"),
                        ["FailbackDelay"] = failbackDelay,
                        ["SlowStart"] = slowStart,
                    },
                },
            },
            ["Health"] = new JsonObject
            {
                ["OutlierDetection"] = new JsonObject { ["ConsecutiveFailures"] = 3, ["BaseEjectionTime"] = "00:00:01" },
            },
        };
        return config;
    }

    [Fact]
    public async Task PreferredRegionKilled_SteadyGets_NoneFailAndAllTrafficMovesWithinOneSecond()
    {
        using var load = new SteadyLoad(_gateway.Proxy, "/api/steady", concurrency: 4);
        await Eventually.TrueAsync(() => Task.FromResult(load.Snapshot().Count(s => s.Region == "eu-west") >= 50));

        var killedAt = load.Elapsed;
        await Task.WhenAll(_backends.InRegion("eu-west").Select(i => i.DownAsync()));
        await Task.Delay(3000);
        var samples = await load.StopAsync();

        var afterKill = samples.Where(s => s.StartedAt >= killedAt).ToList();
        Assert.True(afterKill.Count > 50, $"only {afterKill.Count} requests after the kill");
        Assert.All(afterKill, s => Assert.Equal(200, s.Status));
        var lastEu = afterKill.LastOrDefault(s => s.Region != "us-east");
        output.WriteLine(
            $"failover: {afterKill.Count} GETs after the kill, {afterKill.Count(s => s.Status != 200)} failed; " +
            $"last request not served by us-east started {((lastEu?.StartedAt ?? killedAt) - killedAt).TotalMilliseconds:F0} ms after the kill");
        var lateEu = afterKill.Where(s => s.StartedAt >= killedAt + TimeSpan.FromSeconds(1) && s.Region != "us-east").ToList();
        Assert.Empty(lateEu);
    }

    [Fact]
    public async Task PreferredRegionReturns_TrafficComesBackAfterFailbackDelayAndRamps()
    {
        await Task.WhenAll(_backends.InRegion("eu-west").Select(i => i.DownAsync()));
        await Eventually.TrueAsync(async () => (await RegionOfAsync()) == "us-east" && (await RegionOfAsync()) == "us-east");
        await Task.Delay(1500); // let the ejections (1 s) run out, so only the failover policy holds the region back

        using var load = new SteadyLoad(_gateway.Proxy, "/api/return", concurrency: 4);
        var upAt = load.Elapsed;
        await Task.WhenAll(_backends.InRegion("eu-west").Select(i => i.UpAsync()));
        await Task.Delay(6500);
        var samples = await load.StopAsync();

        Assert.All(samples, s => Assert.Equal(200, s.Status));
        var firstEu = samples.Where(s => s.Region == "eu-west").Min(s => s.StartedAt);
        Assert.True(firstEu - upAt >= TimeSpan.FromSeconds(1.9), $"eu-west got traffic {(firstEu - upAt).TotalSeconds:F2} s after it came back, before its 2 s failback delay");

        // During the ramp both regions serve; after it, only the preferred one.
        var ramp = samples.Where(s => s.StartedAt >= firstEu + TimeSpan.FromSeconds(0.5) && s.StartedAt < firstEu + TimeSpan.FromSeconds(1.5)).ToList();
        var rampEuShare = ramp.Count(s => s.Region == "eu-west") / (double)ramp.Count;
        Assert.InRange(rampEuShare, 0.05, 0.95);
        var settled = samples.Where(s => s.StartedAt >= firstEu + TimeSpan.FromSeconds(2.5)).ToList();
        Assert.NotEmpty(settled);
        Assert.All(settled, s => Assert.Equal("eu-west", s.Region));
    }

    [Fact]
    public async Task DrainAndUndrain_ThroughTheAdminApi_MoveTrafficAwayAndBack()
    {
        using var drain = await _gateway.Admin.PostAsync("/admin/regions/eu-west/drain", null);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("us-east", await RegionOfAsync());
        }

        using var clusters = await _gateway.GetAdminJsonAsync("/admin/clusters");
        var regions = clusters.RootElement.GetProperty("clusters")[0].GetProperty("regions").EnumerateArray().ToList();
        Assert.True(regions.Single(r => r.GetProperty("name").GetString() == "eu-west").GetProperty("drained").GetBoolean());
        Assert.Equal(1.0, regions.Single(r => r.GetProperty("name").GetString() == "us-east").GetProperty("share").GetDouble());

        using var undrain = await _gateway.Admin.PostAsync("/admin/regions/eu-west/undrain", null);
        Assert.Equal(HttpStatusCode.OK, undrain.StatusCode);
        await Eventually.TrueAsync(async () => (await RegionOfAsync()) == "eu-west", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Drain_WithAdminKeySet_NeedsTheKey()
    {
        const string key = "0123456789abcdef-drain";
        var config = Config(_backends.Instances, failbackDelay: "00:00:00", slowStart: "00:00:00");
        config["Gateway"]!["Admin"] = new JsonObject { ["ApiKey"] = key };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        using var refused = await gateway.Admin.PostAsync("/admin/regions/eu-west/drain", null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/regions");
        request.Headers.Add("X-Admin-Key", key);
        using var regions = await gateway.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("\"drained\":[]", (await regions.Content.ReadAsStringAsync()).Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_FromAnotherSitesPage_IsRefusedAndNothingIsDrained()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/regions/eu-west/drain");
        request.Headers.TryAddWithoutValidation("Origin", "http://evil.example");

        using var response = await _gateway.Admin.SendAsync(request);
        using var regions = await _gateway.GetAdminJsonAsync("/admin/regions");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(regions.RootElement.GetProperty("drained").EnumerateArray());
    }

    [Fact]
    public async Task Drain_UnknownRegion_IsNotFound()
    {
        using var response = await _gateway.Admin.PostAsync("/admin/regions/mars/drain", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Clusters_AfterFailover_ShowActiveRegionShareAndDestinationHealth()
    {
        await Task.WhenAll(_backends.InRegion("eu-west").Select(i => i.DownAsync()));
        await Eventually.TrueAsync(async () => (await RegionOfAsync()) == "us-east" && (await RegionOfAsync()) == "us-east");
        await Eventually.TrueAsync(async () =>
        {
            using var doc = await _gateway.GetAdminJsonAsync("/admin/clusters");
            var cluster = doc.RootElement.GetProperty("clusters")[0];
            return cluster.GetProperty("regions").EnumerateArray().Any(r => r.GetProperty("name").GetString() == "us-east" && r.GetProperty("share").GetDouble() == 1.0) &&
                   cluster.GetProperty("destinations").EnumerateArray()
                       .Where(d => d.GetProperty("region").GetString() == "eu-west")
                       .All(d => d.GetProperty("health").GetString() == "unhealthy" && !d.GetProperty("available").GetBoolean());
        });
    }

    private async Task<string?> RegionOfAsync()
    {
        var (response, echo) = await _gateway.GetAsync("/api/where");
        using (response)
        {
            return echo?.Region;
        }
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
