using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 2: a WebSocket that was its destination's half-open probe held the probe for the socket's whole
/// life, so every other request to the destination got 503 circuit-open until it closed.
/// </summary>
public sealed class WebSocketHalfOpenProbeTests
{
    private static JsonObject Config(WebSocketBackend backend, string timeout = "00:00:10")
    {
        var config = SingleCluster([], new JsonObject
        {
            ["Timeout"] = timeout,
            ["CircuitBreaker"] = new JsonObject
            {
                ["FailureRatio"] = 0.5,
                ["MinimumThroughput"] = 2,
                ["SamplingDuration"] = "00:00:10",
                ["BreakDuration"] = "00:00:00.500",
                ["MaxBreakDuration"] = "00:00:02",
            },
            ["Retry"] = new JsonObject { ["MaxAttempts"] = 1 },
        });
        config["ReverseProxy"]!["Clusters"]!["api"]!["Destinations"] = new JsonObject
        {
            ["ws"] = new JsonObject { ["Address"] = backend.Url.ToString() },
        };
        return config;
    }

    [Fact]
    public async Task HalfOpenProbeIsAWebSocket_CircuitClosesAtThe101_OtherRequestsServedWhileTheSocketLives()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        backend.Failing = true;
        await using var gateway = await GatewayTestHost.StartAsync(Config(backend));
        for (var i = 0; i < 2; i++)
        {
            using var failed = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        Assert.Equal("open", await CircuitAsync(gateway, "ws"));
        backend.Failing = false;
        await Eventually.TrueAsync(async () => await BreakLeftAsync(gateway, "ws") <= TimeSpan.Zero, TimeSpan.FromSeconds(3));

        // The first request after the break is the probe: a WebSocket that stays open.
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        await Eventually.TrueAsync(async () => await CircuitAsync(gateway, "ws") == "closed", TimeSpan.FromSeconds(2));
        using var plain = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("hello", await WebSocketBackend.EchoAsync(socket, "hello"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task WebSocket_OutlivesThePolicyTimeout()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayTestHost.StartAsync(Config(backend, timeout: "00:00:00.200"));

        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.Equal("still here", await WebSocketBackend.EchoAsync(socket, "still here"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }
}
