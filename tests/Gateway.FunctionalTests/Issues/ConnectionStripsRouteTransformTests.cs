using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 8: the transform that removes the headers a client names in <c>Connection</c> ran after the route's
/// own transforms, so <c>Connection: X-Tenant, Authorization</c> removed the headers the route had just set.
/// </summary>
public sealed class ConnectionStripsRouteTransformTests
{
    [Fact]
    public async Task ClientNamesRouteSetHeadersInConnection_BackendStillGetsThem()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = TestConfig.SingleCluster(backends.Instances);
        config["ReverseProxy"]!["Routes"]!["api"]!["Transforms"] = new JsonArray
        {
            new JsonObject { ["RequestHeader"] = "X-Tenant", ["Set"] = "acme" },
            new JsonObject { ["RequestHeader"] = "Authorization", ["Set"] = "Bearer route-token" },
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tenant");
        request.Headers.Connection.Add("X-Tenant");
        request.Headers.Connection.Add("Authorization");
        request.Headers.TryAddWithoutValidation("X-Other", "hop");
        request.Headers.Connection.Add("X-Other");

        using var response = await gateway.Proxy.SendAsync(request);
        var echo = await EchoAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("acme", echo!.Headers.GetValueOrDefault("X-Tenant"));
        Assert.Equal("Bearer route-token", echo.Headers.GetValueOrDefault("Authorization"));
        // What the client itself named is still hop-by-hop and not forwarded.
        Assert.False(echo.Headers.ContainsKey("X-Other"));
    }
}
