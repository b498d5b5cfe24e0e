using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Shutdown;

/// <summary>
/// SIGTERM to the real gateway process, with a slow request, an SSE stream and a WebSocket in flight, as a rolling
/// restart sends it.
/// </summary>
public sealed class GracefulDrainTests
{
    // Generous, so that the checks "before the delay ends" hold on a busy machine: a 2 s delay failed once when
    // the whole suite ran beside it.
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(10);

    // An SSE stream of 16 events 0.5 s apart: it outlives the drain delay and ends before the slow answer.
    private const int SseEvents = 16;
    private static readonly TimeSpan SseInterval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Sigterm_RequestSseAndWebSocketInFlight_ReadyzFailsFirstThenServesTheDelayFinishesInFlightClosesWebSocketAndExitsZero()
    {
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await StartBackendAsync(slowStarted);
        await using var gateway = await GatewayProcess.StartAsync(Config(backend.Urls.First()), "/api/fast");
        using var admin = new HttpClient { BaseAddress = gateway.AdminUrl, Timeout = TimeSpan.FromSeconds(5) };
        using (var ready = await admin.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var slowClient = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(30) };
        var slow = slowClient.GetAsync("/api/slow");
        await slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var sseResponse = await slowClient.GetAsync("/api/sse", HttpCompletionOption.ResponseHeadersRead);
        var sse = sseResponse.Content.ReadAsStringAsync();
        using var socket = await WebSocketBackend.ConnectAsync(gateway.ProxyUrl);
        Assert.Equal("before", await WebSocketBackend.EchoAsync(socket, "before"));

        var clock = Stopwatch.StartNew();
        gateway.Terminate();

        await Eventually.TrueAsync(
            async () =>
            {
                using var readyz = await admin.GetAsync("/readyz");
                return readyz.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(1),
            "/readyz answers 503 right after SIGTERM");
        Assert.True(clock.Elapsed < DrainDelay, $"/readyz turned 503 after {clock.Elapsed}, not before the drain delay ended");

        // The WebSocket carries on through the delay, then gets 1001 Going Away when the listeners close.
        Assert.Equal("during", await WebSocketBackend.EchoAsync(socket, "during"));
        var webSocketClosed = Task.Run(async () =>
        {
            var status = await Streaming.WebSocketRelayTests.ReceiveCloseAsync(socket, TimeSpan.FromSeconds(30));
            return (Status: status, At: clock.Elapsed);
        });

        using (var fresh = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(5) })
        using (var during = await fresh.GetAsync("/api/fast"))
        {
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
            Assert.True(during.Headers.ConnectionClose, "an HTTP/1.1 answer during the drain carries Connection: close");
            Assert.True(clock.Elapsed < DrainDelay, $"the request during the drain was answered after {clock.Elapsed}");
        }

        // The gateway's own answers (here 502 upstream-unreachable) clear the headers before writing theirs; they close too.
        using (var fresh = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(5) })
        using (var refused = await fresh.GetAsync("/down/x"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            Assert.True(refused.Headers.ConnectionClose, "the gateway's own answer during the drain carries Connection: close");
        }

        // After the delay the listeners close, while the slow request is still being served.
        await Eventually.TrueAsync(
            async () =>
            {
                using var refusing = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(1) };
                try
                {
                    using var response = await refusing.GetAsync("/api/fast");
                    return false;
                }
                catch (HttpRequestException)
                {
                    return true;
                }
            },
            DrainDelay + TimeSpan.FromSeconds(2),
            "new connections are refused once the drain delay is over");
        Assert.False(slow.IsCompleted, "the listeners closed only after the slow request had finished");

        var (closeStatus, closedAt) = await webSocketClosed.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, closeStatus);
        Assert.True(closedAt > DrainDelay - TimeSpan.FromSeconds(1), $"the WebSocket was closed at {closedAt}, before the drain delay ended");

        var events = (await sse.WaitAsync(TimeSpan.FromSeconds(20))).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(SseEvents, events.Length);

        using var slowResponse = await slow;
        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.Equal("slow done", await slowResponse.Content.ReadAsStringAsync());

        Assert.True(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the gateway did not exit:\n" + gateway.Output);
        Assert.Equal(0, gateway.ExitCode);
        Assert.True(clock.Elapsed < DrainDelay + SlowAnswer + TimeSpan.FromSeconds(5), $"exit took {clock.Elapsed}");
    }

    private static JsonObject Config(string backend) => new()
    {
        ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Information" } },
        ["ReverseProxy"] = new JsonObject
        {
            ["Routes"] = new JsonObject
            {
                ["api"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" } },
                ["down"] = new JsonObject { ["ClusterId"] = "down", ["Match"] = new JsonObject { ["Path"] = "/down/{**rest}" } },
            },
            ["Clusters"] = new JsonObject
            {
                ["api"] = new JsonObject { ["Destinations"] = new JsonObject { ["one"] = new JsonObject { ["Address"] = backend } } },
                ["down"] = new JsonObject
                {
                    ["Destinations"] = new JsonObject { ["gone"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{FreePort.Next()}/" } },
                },
            },
        },
        ["Gateway"] = new JsonObject
        {
            ["Shutdown"] = new JsonObject { ["DrainDelay"] = DrainDelay.ToString(), ["Timeout"] = "00:00:15" },
        },
    };

    /// <summary><c>/api/slow</c> answers after <see cref="SlowAnswer"/>; anything else at once.</summary>
    private static async Task<WebApplication> StartBackendAsync(TaskCompletionSource slowStarted)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (context.Request.Path == "/api/ws" && context.WebSockets.IsWebSocketRequest)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[1024];
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                    {
                        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        return;
                    }

                    await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
                }
            }

            if (context.Request.Path == "/api/sse")
            {
                context.Response.ContentType = "text/event-stream";
                for (var i = 0; i < SseEvents; i++)
                {
                    await context.Response.WriteAsync($"data: {i}\n\n");
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(SseInterval);
                }

                return;
            }

            if (context.Request.Path == "/api/slow")
            {
                slowStarted.TrySetResult();
                await Task.Delay(SlowAnswer);
                await context.Response.WriteAsync("slow done");
                return;
            }

            await context.Response.WriteAsync("fast");
        });
        await app.StartAsync();
        return app;
    }
}
