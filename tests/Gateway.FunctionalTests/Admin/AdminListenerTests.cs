using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Admin;

public sealed class AdminListenerTests : IAsyncLifetime
{
    private const string ApiKey = "0123456789abcdef-admin";
    private SampleBackendHost _backends = null!;

    public async Task InitializeAsync() => _backends = await Backends.StartAsync("eu-1@eu-west", "us-1@us-east");

    [Fact]
    public async Task AdminPaths_OnTheProxyListener_AreNotServed()
    {
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(_backends.Instances));

        using var direct = await gateway.Proxy.GetAsync("/admin/config");
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/admin/clusters");
        spoofed.Headers.Host = gateway.AdminUrl.Authority;
        using var spoofedResponse = await gateway.Proxy.SendAsync(spoofed);

        Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, spoofedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Proxy.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task AdminPaths_UnderACatchAllRoute_AreForwardedToTheBackend()
    {
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(_backends.Instances, routePath: "/{**catch-all}"));

        var (response, echo) = await gateway.GetAsync("/admin/config");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/admin/config", echo!.Path);
    }

    [Fact]
    public async Task ProxyRoutes_OnTheAdminListener_AreNotServed()
    {
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(_backends.Instances, routePath: "/{**catch-all}"));

        using var response = await gateway.Admin.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.All(_backends.Instances, i => Assert.Equal(0, i.Capacity.Served));
    }

    [Fact]
    public async Task ApiKey_WhenSet_GuardsAdminApiAndMetricsButNotProbes()
    {
        var config = TestConfig.SingleCluster(_backends.Instances);
        config["Gateway"] = new JsonObject { ["Admin"] = new JsonObject { ["ApiKey"] = ApiKey } };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        async Task<HttpStatusCode> StatusAsync(string path, string? key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (key is not null)
            {
                request.Headers.Add("X-Admin-Key", key);
            }

            using var response = await gateway.Admin.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/admin/config", null));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/admin/clusters", ApiKey + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/metrics", null));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/admin/config", ApiKey));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/metrics", ApiKey));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/healthz", null));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/readyz", null));
    }

    [Fact]
    public async Task NonLoopbackAdminWithoutKey_RefusesToStart()
    {
        var directory = Directory.CreateTempSubdirectory("gateway-admin-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), TestConfig.SingleCluster(_backends.Instances).ToJsonString());

        var (app, errors) = await GatewayApp.BuildAsync(
            ["--contentRoot", directory, "--urls", "http://127.0.0.1:0", "--Gateway:Admin:Urls=http://0.0.0.0:0"]);

        Assert.Null(app);
        var error = Assert.Single(errors);
        Assert.Equal("Gateway:Admin:ApiKey", error.Path);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Config_ShowsEffectiveConfigWithTheKeyRedacted()
    {
        var config = TestConfig.SingleCluster(_backends.Instances);
        config["Gateway"] = new JsonObject { ["Admin"] = new JsonObject { ["ApiKey"] = ApiKey } };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        gateway.Admin.DefaultRequestHeaders.Add("X-Admin-Key", ApiKey);

        var body = await gateway.Admin.GetStringAsync("/admin/config");
        using var json = System.Text.Json.JsonDocument.Parse(body);

        Assert.DoesNotContain(ApiKey, body, StringComparison.Ordinal);
        var effective = json.RootElement.GetProperty("effective");
        Assert.Equal("(redacted)", effective.GetProperty("Gateway").GetProperty("Admin").GetProperty("ApiKey").GetString());
        Assert.Equal("/api/{**rest}", effective.GetProperty("ReverseProxy").GetProperty("Routes")[0].GetProperty("Match").GetProperty("Path").GetString());
        Assert.Equal("applied", json.RootElement.GetProperty("lastReload").GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Clusters_ShowRegionHealthAndInFlightPerDestination()
    {
        var slow = await Backends.StartAsync(capacity: 64, serviceTime: TimeSpan.FromMilliseconds(500), "slow@eu-west");
        await using var slowHost = slow;
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster([.. _backends.Instances, .. slow.Instances], activeHealth: true));
        await _backends.Instances[1].DownAsync();
        // Keep requests flowing (bounded: until the check passes or 10 s) so the slow destination holds some.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                _ = gateway.Proxy.GetAsync("/api/x", CancellationToken.None);
                await Task.Delay(50, CancellationToken.None);
            }
        });

        await Eventually.TrueAsync(async () =>
        {
            using var json = await gateway.GetAdminJsonAsync("/admin/clusters");
            var destinations = json.RootElement.GetProperty("clusters")[0].GetProperty("destinations").EnumerateArray().ToList();
            var us = destinations.Single(d => d.GetProperty("id").GetString() == "us-1");
            var eu = destinations.Single(d => d.GetProperty("id").GetString() == "eu-1");
            var slowOne = destinations.Single(d => d.GetProperty("id").GetString() == "slow");
            return us.GetProperty("health").GetString() == "unhealthy" && !us.GetProperty("available").GetBoolean() &&
                   us.GetProperty("region").GetString() == "us-east" &&
                   eu.GetProperty("health").GetString() == "healthy" && eu.GetProperty("address").GetString() == _backends.Instances[0].Url.ToString() &&
                   slowOne.GetProperty("inFlight").GetInt32() > 0;
        });

        await stop.CancelAsync();
        await load;
        await _backends.Instances[1].UpAsync();
    }

    public async Task DisposeAsync() => await _backends.DisposeAsync();
}
