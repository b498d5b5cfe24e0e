using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Answers;

/// <summary>The answers the gateway gives itself when it cannot get one from a backend.</summary>
public sealed class GatewayAnswerTests
{
    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(reason, response.Headers.GetValues("X-Gateway-Reason").Single());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.Equal($"urn:gateway:problem:{reason}", body.GetProperty("type").GetString());
        return body;
    }

    private static void AssertRetryAfterBetween(HttpResponseMessage response, int min, int max)
    {
        var seconds = int.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(seconds, min, max);
    }

    [Fact]
    public async Task ClusterWithoutDestinations_Answers503AtOnce()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = TestConfig.SingleCluster([]);
        await using var gateway = await GatewayTestHost.StartAsync(config);

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "no-healthy-destination");
        AssertRetryAfterBetween(response, 1, 5);
    }

    [Fact]
    public async Task AllDestinationsUnhealthy_Answers503WithoutTryingThem()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west");
        var config = TestConfig.SingleCluster(backends.Instances, activeHealth: true);
        // Panic mode (on by default, and at 0% healthy too) would send to the hanging destinations; this case is the
        // answer when health filtering is left with nothing.
        config["Gateway"] = new System.Text.Json.Nodes.JsonObject { ["Health"] = new System.Text.Json.Nodes.JsonObject { ["PanicThreshold"] = 0 } };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        // A hanging backend would hold a forwarded request for the activity timeout; only a health-aware
        // gateway answers at once.
        foreach (var instance in backends.Instances)
        {
            instance.Faults.Hang = true;
        }

        await Eventually.TrueAsync(async () =>
        {
            using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
            return clusters.RootElement.GetProperty("clusters")[0].GetProperty("availableCount").GetInt32() == 0;
        });

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "no-healthy-destination");
        AssertRetryAfterBetween(response, 1, 5);
        Assert.All(backends.Instances, i => Assert.Equal(0, i.Capacity.Served));
    }

    [Fact]
    public async Task BackendResetsConnection_Answers502UpstreamUnreachable()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Reset = true;
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));

        using var response = await gateway.Proxy.GetAsync("/api/x");

        await AssertProblemAsync(response, HttpStatusCode.BadGateway, "upstream-unreachable");
    }

    [Fact]
    public async Task BackendDown_Answers502UpstreamUnreachable()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));
        await backends.Instances[0].DownAsync();

        using var response = await gateway.Proxy.GetAsync("/api/x");

        await AssertProblemAsync(response, HttpStatusCode.BadGateway, "upstream-unreachable");
    }

    [Fact]
    public async Task BackendHangs_Answers504AfterTheActivityTimeout()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        var config = TestConfig.SingleCluster(backends.Instances);
        config["ReverseProxy"]!["Clusters"]!["api"]!["HttpRequest"] = new System.Text.Json.Nodes.JsonObject { ["ActivityTimeout"] = "00:00:00.500" };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        await AssertProblemAsync(response, HttpStatusCode.GatewayTimeout, "upstream-timeout");
    }
}
