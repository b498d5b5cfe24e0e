using System.Net;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.FunctionalTests.Fixtures;
using static Gateway.FunctionalTests.Identity.IdentityTestConfig;

namespace Gateway.FunctionalTests.Identity;

/// <summary>Consumers and policies follow hot reloads; no view or report shows a key or its hash.</summary>
public sealed class IdentityReloadTests
{
    private const string NewKey = "initech-key-5555555555";

    [Fact]
    public async Task Reload_AddingAConsumer_AcceptsItsKey_AndAdminShowsWhatRoutesRequireWithoutHashes()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        var config = ApiKeys(backends.Instances);
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using var before = await gateway.Proxy.SendAsync(Get("/api/x", NewKey));
        Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);

        config["Gateway"]!["Identity"]!["Consumers"]!["initech"] = new JsonObject { ["KeyHashes"] = new JsonArray(Hash(NewKey)) };
        var at = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(at);

        Assert.Equal(ConfigReloadOutcome.Applied, report.Outcome);
        using var after = await gateway.Proxy.SendAsync(Get("/api/x", NewKey));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        using var identity = await gateway.GetAdminJsonAsync("/admin/identity");
        var route = identity.RootElement.GetProperty("routes")[0];
        Assert.Equal("api", route.GetProperty("routeId").GetString());
        Assert.Equal("ApiKey", route.GetProperty("scheme").GetString());
        Assert.Equal("keys", route.GetProperty("policy").GetString());
        Assert.Equal(3, identity.RootElement.GetProperty("consumers").GetArrayLength());
        var adminConfig = await gateway.Admin.GetStringAsync("/admin/config");
        var adminIdentity = await gateway.Admin.GetStringAsync("/admin/identity");
        foreach (var secret in new[] { Hash(NewKey), Hash(AcmeKey), NewKey })
        {
            Assert.DoesNotContain(secret, adminConfig, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, adminIdentity, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Reload_WithAKeyInClearInsteadOfItsHash_IsRejectedWithoutShowingIt_AndOldKeysServe()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        var config = ApiKeys(backends.Instances);
        await using var gateway = await GatewayTestHost.StartAsync(config);

        config["Gateway"]!["Identity"]!["Consumers"]!["initech"] = new JsonObject { ["KeyHashes"] = new JsonArray(NewKey) };
        var at = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(at);

        Assert.Equal(ConfigReloadOutcome.Rejected, report.Outcome);
        var error = Assert.Single(report.Errors);
        Assert.Equal("Gateway:Identity:Consumers:initech:KeyHashes:0", error.Path);
        Assert.DoesNotContain(NewKey, error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(NewKey, await gateway.Admin.GetStringAsync("/admin/config"), StringComparison.Ordinal);
        using var old = await gateway.Proxy.SendAsync(Get("/api/x", AcmeKey));
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
    }
}
