using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Configuration;

[Collection(SerialGroup.Name)]
public sealed class HotReloadTests
{
    [Fact]
    public async Task EditRoute_UnderLoad_AppliesWithinTwoSecondsWithoutAFailedRequest()
    {
        // Each request spends 20 ms in the backend, so requests are in flight at the moment of the swap.
        await using var backends = await Backends.StartAsync(capacity: 64, serviceTime: TimeSpan.FromMilliseconds(20), "old@r1", "new@r1");
        var oldOnly = TestConfig.SingleCluster([backends.Instances[0]]);
        await using var gateway = await GatewayTestHost.StartAsync(oldOnly);

        var results = new ConcurrentQueue<(TimeSpan At, HttpStatusCode Status, string? Instance)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var switchedAt = TimeSpan.MaxValue;
        var sawNewAt = TimeSpan.MaxValue;

        async Task ClientAsync()
        {
            // Bounded: at most 8 s and 2,000 requests per client.
            for (var i = 0; i < 2000 && !stop.IsCancellationRequested; i++)
            {
                using var response = await gateway.Proxy.GetAsync("/api/load", CancellationToken.None);
                var echo = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<EchoResponse>() : null;
                var at = clock.Elapsed;
                results.Enqueue((at, response.StatusCode, echo?.Instance));
                if (echo?.Instance == "new" && sawNewAt == TimeSpan.MaxValue)
                {
                    sawNewAt = at;
                    stop.CancelAfter(TimeSpan.FromMilliseconds(500));
                }
            }
        }

        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(ClientAsync)).ToArray();
        await Task.Delay(300);
        var newOnly = TestConfig.SingleCluster([backends.Instances[1]]);
        switchedAt = clock.Elapsed;
        await gateway.WriteConfigAsync(newOnly);
        await Task.WhenAll(clients);

        var all = results.ToArray();
        Assert.All(all, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Contains(all, r => r.Instance == "old");
        Assert.True(sawNewAt - switchedAt < TimeSpan.FromSeconds(2), $"the new route served first after {sawNewAt - switchedAt}");
        // Once applied, the old destination gets nothing new: everything started 100 ms after the first "new" is new.
        Assert.All(all.Where(r => r.At > sawNewAt + TimeSpan.FromMilliseconds(100)), r => Assert.Equal("new", r.Instance));
    }

    [Fact]
    public async Task InvalidEdit_IsRefusedWhole_OldRouteKeepsServingAndErrorIsShown()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var good = TestConfig.SingleCluster(backends.Instances);
        await using var gateway = await GatewayTestHost.StartAsync(good);
        var bad = TestConfig.SingleCluster(backends.Instances, routePath: "/v2/{**rest}");
        bad["ReverseProxy"]!["Clusters"]!["api"]!["Metadata"] = new JsonObject { ["FailoverPolicy"] = "does-not-exist" };
        var before = DateTimeOffset.UtcNow;

        await gateway.WriteConfigAsync(bad);
        var report = await gateway.WaitForReloadAsync(before);

        Assert.Equal(ConfigReloadOutcome.Rejected, report.Outcome);
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/api/still-here")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync("/v2/not-yet")).Response.StatusCode);

        using var config = await gateway.GetAdminJsonAsync("/admin/config");
        var lastReload = config.RootElement.GetProperty("lastReload");
        Assert.Equal("rejected", lastReload.GetProperty("outcome").GetString());
        var error = lastReload.GetProperty("errors")[0];
        Assert.Equal("ReverseProxy:Clusters:api:Metadata:FailoverPolicy", error.GetProperty("path").GetString());
        Assert.Contains("does-not-exist", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, config.RootElement.GetProperty("revision").GetInt64());

        using var ready = await gateway.Admin.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("Degraded", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var metrics = await gateway.Admin.GetStringAsync("/metrics");
        Assert.Matches("gateway_config_reloads_total\\{[^}]*outcome=\"rejected\"[^}]*\\} 1", metrics);
    }

    [Fact]
    public async Task BrokenJson_IsRefused_ThenAFixedFileApplies()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));
        var before = DateTimeOffset.UtcNow;

        await gateway.WriteConfigAsync("{ \"ReverseProxy\": { \"Routes\": ");
        var broken = await gateway.WaitForReloadAsync(before);

        Assert.Equal(ConfigReloadOutcome.Rejected, broken.Outcome);
        Assert.Equal(gateway.ConfigPath, Assert.Single(broken.Errors).Path);
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/api/still-here")).Response.StatusCode);

        var fixedAt = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(TestConfig.SingleCluster(backends.Instances, routePath: "/v2/{**rest}"));
        var applied = await gateway.WaitForReloadAsync(fixedAt);

        Assert.Equal(ConfigReloadOutcome.Applied, applied.Outcome);
        Assert.Equal(2, applied.ServingRevision);
        Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/v2/now")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync("/api/gone")).Response.StatusCode);
    }

    [Fact]
    public async Task OverlayConfigFile_IsLayeredOnTopAndWatched()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var overlayPath = Path.Combine(Path.GetTempPath(), $"gateway-overlay-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(overlayPath, """{ "ReverseProxy": { "Routes": { "api": { "Match": { "Path": "/overlay/{**rest}" } } } } }""");
        try
        {
            await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances), "--config", overlayPath);
            Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/overlay/x")).Response.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await gateway.GetAsync("/api/x")).Response.StatusCode);

            var before = DateTimeOffset.UtcNow;
            await File.WriteAllTextAsync(overlayPath, """{ "ReverseProxy": { "Routes": { "api": { "Match": { "Path": "/edited/{**rest}" } } } } }""");
            Assert.Equal(ConfigReloadOutcome.Applied, (await gateway.WaitForReloadAsync(before)).Outcome);

            Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync("/edited/x")).Response.StatusCode);
        }
        finally
        {
            File.Delete(overlayPath);
        }
    }
}
