using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 1: a request with a <c>Connection: upgrade</c> token that YARP forwards as a plain request (no
/// <c>Upgrade: websocket</c>) was taken for a WebSocket, so it skipped the policy timeout and shedding.
/// </summary>
public sealed class UpgradeHeaderBypassTests
{
    /// <summary>Upgrade offers that are not a WebSocket; curl's <c>--http2</c> on http:// sends the last one.</summary>
    public static TheoryData<string> NotWebSockets => new()
    {
        string.Empty,
        "Connection: upgrade",
        "Connection: upgrade|Upgrade: foo",
        "Connection: Upgrade, HTTP2-Settings|Upgrade: h2c|HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA",
    };

    private static HttpRequestMessage Get(string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        foreach (var header in headers.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            request.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim());
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(NotWebSockets))]
    public async Task NotAWebSocket_HangingBackend_CutByThePolicyTimeout(string headers)
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, new JsonObject { ["Timeout"] = "00:00:00.300" }));
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        using var request = Get(headers);
        using var response = await gateway.Proxy.SendAsync(request, giveUp.Token);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream-timeout", Reason(response));
    }

    [Theory]
    [MemberData(nameof(NotWebSockets))]
    public async Task NotAWebSocket_LimitTaken_RefusedByShedding(string headers)
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        var config = TestConfig.SingleCluster(backends.Instances);
        config["Gateway"] = new JsonObject
        {
            ["Shedding"] = new JsonObject { ["Enabled"] = true, ["MinLimit"] = 1, ["InitialLimit"] = 1, ["MaxLimit"] = 1, ["QueueLimit"] = 0 },
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using var stuck = new CancellationTokenSource();
        var holding = gateway.Proxy.GetAsync("/api/x", stuck.Token);
        var cluster = gateway.Services.GetRequiredService<Gateway.Shedding.SheddingRegistry>();
        await Eventually.TrueAsync(() => Task.FromResult(cluster.All().SingleOrDefault()?.InFlight == 1), TimeSpan.FromSeconds(5));
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(3));

        using var request = Get(headers);
        using var response = await gateway.Proxy.SendAsync(request, giveUp.Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("overloaded", Reason(response));
        await stuck.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holding);
    }
}
