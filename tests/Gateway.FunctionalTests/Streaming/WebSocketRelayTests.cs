using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Streaming;

/// <summary>
/// Issue 22: a WebSocket silent for YARP's activity timeout (30 s) was dropped without a close frame, and one open at
/// shutdown was cut (1006). Real WebSocket backend, real <see cref="ClientWebSocket"/> through the gateway.
/// </summary>
public sealed class WebSocketRelayTests
{
    [Fact]
    public async Task SilentPastTheClusterActivityTimeout_StaysOpen_ThenBothEndsGet1001AtTheIdleTimeout()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        // The cluster's activity timeout (1 s) would have cut the socket; the WebSocket idle timeout (3 s) applies.
        await using var gateway = await GatewayTestHost.StartAsync(Config(backend.Url, webSocketIdle: "00:00:03"));
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        Assert.Equal("one", await WebSocketBackend.EchoAsync(socket, "one"));

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("two", await WebSocketBackend.EchoAsync(socket, "two"));

        var clock = Stopwatch.StartNew();
        var close = await ReceiveCloseAsync(socket, TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(8));
        await Eventually.TrueAsync(() => Task.FromResult(!backend.CloseStatuses.IsEmpty), TimeSpan.FromSeconds(5), "the backend gets a close frame");
        Assert.Equal([WebSocketCloseStatus.EndpointUnavailable], backend.CloseStatuses);
    }

    [Fact]
    public async Task KeepAlivePings_AnsweringClientStaysOpenPastTheIdleTimeout()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        var config = Config(backend.Url, webSocketIdle: "00:00:03");
        config["Gateway"]!["WebSockets"]!["KeepAliveInterval"] = "00:00:01";
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        Assert.Equal("one", await WebSocketBackend.EchoAsync(socket, "one"));

        // A pending receive is what answers pings in .NET's client, as a browser does by itself.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[1024];
        var receive = socket.ReceiveAsync(buffer, timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.False(receive.IsCompleted, "the socket was closed despite answering the gateway's pings");

        await socket.SendAsync("still"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var echoed = await receive;
        Assert.Equal("still", System.Text.Encoding.UTF8.GetString(buffer, 0, echoed.Count));
        Assert.Empty(backend.CloseStatuses);
    }

    [Fact]
    public async Task RouteWebSocketIdleTimeout_OverridesTheGatewayDefault()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayTestHost.StartAsync(Config(backend.Url, webSocketIdle: "00:05:00", routeIdle: "00:00:01"));
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        Assert.Equal("one", await WebSocketBackend.EchoAsync(socket, "one"));

        var clock = Stopwatch.StartNew();
        var close = await ReceiveCloseAsync(socket, TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task Stop_OpenWebSocket_BothEndsGet1001AndTheStopIsQuick()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayTestHost.StartAsync(Config(backend.Url, webSocketIdle: "00:05:00"));
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        // A message larger than one read, so frames cross the relay in pieces, before and after the drain.
        var big = new string('x', 200_000);
        Assert.Equal(big, await EchoLargeAsync(socket, big));

        var clock = Stopwatch.StartNew();
        var stop = gateway.StopAsync();
        var close = await ReceiveCloseAsync(socket, TimeSpan.FromSeconds(10));
        await stop.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close);
        // The shutdown timeout is 30 s; the closed socket does not hold the stop.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"stop took {clock.Elapsed}");
        await Eventually.TrueAsync(() => Task.FromResult(!backend.CloseStatuses.IsEmpty), TimeSpan.FromSeconds(5), "the backend gets a close frame");
        Assert.Equal([WebSocketCloseStatus.EndpointUnavailable], backend.CloseStatuses);
    }

    [Fact]
    public async Task OverHttp2_SilentPastTheIdleTimeout_BothEndsGet1001()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        var h2c = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var gateway = await GatewayTestHost.StartWithEndpointsAsync(Config(backend.Url, webSocketIdle: "00:00:01"), ("h2c", h2c, "Http2"));
        using var handler = new HttpMessageInvoker(new SocketsHttpHandler());
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await socket.ConnectAsync(new Uri($"ws://{h2c.Authority}/api/ws"), handler, connect.Token);
        }

        Assert.Equal("one", await WebSocketBackend.EchoAsync(socket, "one"));
        var close = await ReceiveCloseAsync(socket, TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close);
        await Eventually.TrueAsync(() => Task.FromResult(!backend.CloseStatuses.IsEmpty), TimeSpan.FromSeconds(5), "the backend gets a close frame");
        Assert.Equal([WebSocketCloseStatus.EndpointUnavailable], backend.CloseStatuses);
    }

    [Fact]
    public async Task BackendNeverAnswersTheHandshake_504AtTheClusterActivityTimeout_NotTheWebSocketIdleTimeout()
    {
        using var blackHole = await BlackHoleListener.StartAsync();
        await using var gateway = await GatewayTestHost.StartAsync(Config(blackHole.Url, webSocketIdle: "00:05:00"));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://{gateway.ProxyUrl.Authority}/api/ws"), timeout.Token));

        Assert.Equal(System.Net.HttpStatusCode.GatewayTimeout, socket.HttpStatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the handshake was given up after {clock.Elapsed}, not at the cluster's 1 s");
    }

    [Fact]
    public async Task ClientClosesItself_NormalClosureReachesTheBackend()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await GatewayTestHost.StartAsync(Config(backend.Url, webSocketIdle: "00:05:00"));
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        Assert.Equal("one", await WebSocketBackend.EchoAsync(socket, "one"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await Eventually.TrueAsync(() => Task.FromResult(!backend.CloseStatuses.IsEmpty), TimeSpan.FromSeconds(5), "the backend gets the client's close");
        Assert.Equal([WebSocketCloseStatus.NormalClosure], backend.CloseStatuses);
    }

    /// <summary>Reads until the close frame; returns its status.</summary>
    internal static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(ClientWebSocket socket, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var buffer = new byte[4096];
        for (var i = 0; i < 1000; i++)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return received.CloseStatus;
            }
        }

        throw new InvalidOperationException("no close frame after 1000 messages");
    }

    private static async Task<string> EchoLargeAsync(ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        for (var i = 0; i < 10_000; i++)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            received.Write(buffer, 0, result.Count);
            if (received.Length >= bytes.Length)
            {
                break;
            }
        }

        return System.Text.Encoding.UTF8.GetString(received.ToArray());
    }

    internal static JsonObject Config(Uri backend, string webSocketIdle, string? routeIdle = null)
    {
        var route = new JsonObject { ["ClusterId"] = "ws", ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" } };
        if (routeIdle is not null)
        {
            route["Metadata"] = new JsonObject { ["WebSocketIdleTimeout"] = routeIdle };
        }

        return new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject { ["ws"] = route },
                ["Clusters"] = new JsonObject
                {
                    ["ws"] = new JsonObject { ["Destinations"] = new JsonObject { ["one"] = new JsonObject { ["Address"] = backend.ToString() } } },
                },
            },
            ["Gateway"] = new JsonObject
            {
                ["Limits"] = new JsonObject { ["UpstreamActivityTimeout"] = "00:00:01" },
                ["WebSockets"] = new JsonObject { ["IdleTimeout"] = webSocketIdle },
            },
        };
    }
}
