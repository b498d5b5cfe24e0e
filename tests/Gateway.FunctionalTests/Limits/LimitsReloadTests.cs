using System.Net;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Limits;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.FunctionalTests.Limits;

/// <summary>Which <c>Gateway:Limits</c> keys apply on reload. Reload timing, so serial.</summary>
[Collection(SerialGroup.Name)]
public sealed class LimitsReloadTests
{
    [Fact]
    public async Task MaxRequestBodySize_Reload_AppliesToRoutesWithoutRestart()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = EdgeTestConfig.Create(backends.Instances);
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using (var before = await gateway.Proxy.PostAsync("/api/x", new ByteArrayContent(new byte[5000])))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        config["Gateway"]!["Limits"] = new JsonObject { ["MaxRequestBodySize"] = 4096, ["UpstreamActivityTimeout"] = "00:00:02" };
        var at = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(at);

        Assert.Equal(ConfigReloadOutcome.Applied, report.Outcome);
        using var after = await gateway.Proxy.PostAsync("/api/x", new ByteArrayContent(new byte[5000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, after.StatusCode);
        var cluster = Assert.Single(gateway.ConfigSource.Current.Clusters);
        Assert.Equal(TimeSpan.FromSeconds(2), cluster.HttpRequest!.ActivityTimeout);
    }

    /// <summary>
    /// The connection rates apply on reload, without a restart: off at start, then 2 new connections per second.
    /// Pass: the new rates are in force once the reload is reported, and of 10 connections at once 1 to 4 are served.
    /// </summary>
    [Fact]
    public async Task ConnectionRates_Reload_ApplyWithoutRestart()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = EdgeTestConfig.Create(backends.Instances);
        await using var gateway = await GatewayTestHost.StartAsync(config);
        var rates = gateway.Services.GetRequiredService<ConnectionRateLimiter>();
        Assert.Equal((0, 0), rates.Rates);

        config["Gateway"]!["Limits"] = new JsonObject { ["MaxNewConnectionsPerSecond"] = 2, ["MaxNewConnectionsPerSecondPerClient"] = 3 };
        var at = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(at);
        var storm = await ProxyConnectionLimitTests.StormAsync(gateway, IPAddress.Loopback, 10);

        Assert.Equal(ConfigReloadOutcome.Applied, report.Outcome);
        Assert.Equal((2, 3), rates.Rates);
        Assert.InRange(storm.Count(s => s == 200), 1, 4);
    }

    [Fact]
    public async Task InvalidLimit_Reload_IsRefusedWithItsPath()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = EdgeTestConfig.Create(backends.Instances);
        await using var gateway = await GatewayTestHost.StartAsync(config);

        config["Gateway"]!["Limits"] = new JsonObject { ["RequestHeadersTimeout"] = "00:00:00" };
        var at = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(at);

        Assert.Equal(ConfigReloadOutcome.Rejected, report.Outcome);
        Assert.Equal("Gateway:Limits:RequestHeadersTimeout", Assert.Single(report.Errors).Path);
    }
}
