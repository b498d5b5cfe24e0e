using System.Net;
using System.Text.Json.Nodes;
using Gateway.Failover;
using Gateway.FunctionalTests.Answers;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Tests.Common;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace Gateway.FunctionalTests.Health;

/// <summary>
/// Active probes that time out on an overloaded backend must not turn into an outage: the probe here goes through the
/// backend's capacity model (150 ms of service or of added latency) with a 50 ms timeout, so every probe fails while
/// every request is served.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class ProbeTimeoutTests
{
    private static JsonObject Config(IEnumerable<Uri> destinations)
    {
        var config = TestConfig.SingleCluster([]);
        var list = new JsonObject();
        var i = 0;
        foreach (var url in destinations)
        {
            list[$"d{++i}"] = new JsonObject { ["Address"] = url.ToString() };
        }

        config["ReverseProxy"]!["Clusters"]!["api"] = new JsonObject
        {
            ["Destinations"] = list,
            ["HealthCheck"] = new JsonObject
            {
                ["Active"] = new JsonObject
                {
                    ["Enabled"] = true,
                    ["Interval"] = "00:00:00.100",
                    ["Timeout"] = "00:00:00.050",
                    ["Path"] = "/probe",
                    ["Policy"] = "ConsecutiveFailures",
                },
            },
        };
        return config;
    }

    private static async Task<string[]> ActiveHealthAsync(GatewayTestHost gateway)
    {
        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        return [.. clusters.RootElement.GetProperty("clusters")[0].GetProperty("destinations").EnumerateArray()
            .Select(d => d.GetProperty("activeHealth").GetString()!)];
    }

    [Fact]
    public async Task ProbesTimeOut_NoDestinationHealthy_RequestsStillServed()
    {
        await using var backends = await Backends.StartAsync(4, TimeSpan.FromMilliseconds(150), "eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(Config([backends.Instances[0].Url]));
        await Eventually.TrueAsync(async () => (await ActiveHealthAsync(gateway)).All(h => h == "unhealthy"));

        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.All(await ActiveHealthAsync(gateway), h => Assert.Equal("unhealthy", h));
    }

    [Fact]
    public async Task ProbesTimeOut_BesideADestinationRefusingConnections_RefusingOneSkipped()
    {
        await using var backends = await Backends.StartAsync(4, TimeSpan.FromMilliseconds(150), "eu-1@eu-west");
        var refusing = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var gateway = await GatewayTestHost.StartAsync(Config([refusing, backends.Instances[0].Url]));
        await Eventually.TrueAsync(async () => (await ActiveHealthAsync(gateway)).All(h => h == "unhealthy"));

        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Panic sent the first requests to every destination but the one whose probes were refused; now the one that
        // serves is kept on that evidence, and the refusing one is still left out.
        Assert.True(gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("api", out var cluster));
        var plan = gateway.Services.GetRequiredService<FailoverRouter>().GetPlan(cluster);
        Assert.Equal(["d2"], TestClusters.Names(plan.Pick(0.5, 0.5)));
    }

    [Fact]
    public async Task ProbesTimeOut_WhileRequestsServed_DestinationKeptAmongHealthyOnes()
    {
        await using var slow = await Backends.StartAsync("eu-1@eu-west");
        await using var fast = await Backends.StartAsync("eu-2@eu-west", "eu-3@eu-west");
        var config = Config([slow.Instances[0].Url, fast.Instances[0].Url, fast.Instances[1].Url]);
        await using var gateway = await GatewayTestHost.StartAsync(config);

        // eu-1 serves while healthy (on a loaded machine a cold gateway's first requests can take longer than the
        // 200 ms its probes would need to fail, and a destination that never served has no evidence to keep it), then
        // slows to 150 ms per request and per probe, past the probes' 50 ms timeout.
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            return response.Headers.GetValues("X-Instance").Single() == "eu-1";
        });
        slow.Instances[0].Faults.LatencyMs = 150;

        // Keep the slow one serving while its probes fail: it must stay in rotation, not in panic.
        var served = new Dictionary<string, int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var instance = response.Headers.GetValues("X-Instance").Single();
            served[instance] = served.GetValueOrDefault(instance) + 1;
        }

        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        Assert.False(clusters.RootElement.GetProperty("clusters")[0].GetProperty("panic").GetBoolean());
        Assert.Equal("unhealthy", (await ActiveHealthAsync(gateway))[0]);
        Assert.True(served.GetValueOrDefault("eu-1") > 3, $"eu-1 served {served.GetValueOrDefault("eu-1")}");
    }
}
