using System.Net;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 4: the "key required off loopback" rule read the admin URLs of the new file, but the admin
/// listener is bound at start-up; an edit moving <c>Admin:Urls</c> to loopback and dropping <c>ApiKey</c> was
/// accepted while Kestrel still listened on 0.0.0.0, leaving the admin API open to any host.
/// </summary>
public sealed class AdminKeyDroppedOnReloadTests
{
    private const string ApiKey = "0123456789abcdef-admin";

    [Fact]
    public async Task Reload_LoopbackUrlsWithoutKey_WhileBoundToAnyAddress_IsRefused()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var port = FreePort.Next();
        var keyed = TestConfig.SingleCluster(backends.Instances);
        keyed["Gateway"] = new JsonObject { ["Admin"] = new JsonObject { ["Urls"] = $"http://0.0.0.0:{port}", ["ApiKey"] = ApiKey } };
        await using var gateway = await GatewayTestHost.StartAsync(keyed);
        var open = TestConfig.SingleCluster(backends.Instances);
        open["Gateway"] = new JsonObject { ["Admin"] = new JsonObject { ["Urls"] = $"http://127.0.0.1:{port}" } };
        var before = DateTimeOffset.UtcNow;

        await gateway.WriteConfigAsync(open);
        var report = await gateway.WaitForReloadAsync(before);

        Assert.Equal(ConfigReloadOutcome.Rejected, report.Outcome);
        var error = Assert.Single(report.Errors);
        Assert.Equal("Gateway:Admin:ApiKey", error.Path);
        Assert.Contains($"http://0.0.0.0:{port}", error.Reason, StringComparison.Ordinal);
        Assert.Contains("restart", error.Reason, StringComparison.Ordinal);
        // The old config keeps serving: the key is still required.
        using var withoutKey = await gateway.Admin.GetAsync("/admin/config");
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        using var withKey = new HttpRequestMessage(HttpMethod.Get, "/admin/config");
        withKey.Headers.Add("X-Admin-Key", ApiKey);
        using var allowed = await gateway.Admin.SendAsync(withKey);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Reload_DropKey_WhileBoundToLoopback_IsApplied()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var keyed = TestConfig.SingleCluster(backends.Instances);
        keyed["Gateway"] = new JsonObject { ["Admin"] = new JsonObject { ["ApiKey"] = ApiKey } };
        await using var gateway = await GatewayTestHost.StartAsync(keyed);
        var before = DateTimeOffset.UtcNow;

        await gateway.WriteConfigAsync(TestConfig.SingleCluster(backends.Instances));
        var report = await gateway.WaitForReloadAsync(before);

        Assert.Equal(ConfigReloadOutcome.Applied, report.Outcome);
        using var withoutKey = await gateway.Admin.GetAsync("/admin/config");
        Assert.Equal(HttpStatusCode.OK, withoutKey.StatusCode);
    }
}
