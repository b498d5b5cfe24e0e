using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Shutdown;

/// <summary>
/// The drain over HTTP/2 (h2c): a connection that sends a request while draining gets GOAWAY, so the client's next
/// request opens a new connection (which a balancer could send elsewhere) while the stream in flight on the old one
/// finishes; once the listeners close, new connections are refused and the stop completes cleanly.
/// </summary>
public sealed class Http2DrainTests
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Stop_Http2Connection_GoawayMovesNewStreamsToANewConnection_InFlightStreamCompletes()
    {
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await StartBackendAsync(slowStarted);
        var h2c = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var gateway = await GatewayTestHost.StartWithEndpointsAsync(
            Config(backend.Urls.First()), [$"--Gateway:Shutdown:DrainDelay={DrainDelay}"], ("h2c", h2c, "Http2"));
        var connections = 0;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = h2c,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };

        using (var first = await client.GetAsync("/api/fast"))
        {
            Assert.Equal(HttpVersion.Version20, first.Version);
        }

        var slow = client.GetAsync("/api/slow");
        await slowStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Volatile.Read(ref connections));

        var clock = Stopwatch.StartNew();
        var stop = gateway.StopAsync();

        // During the drain delay: answered on the old connection, which then gets GOAWAY ...
        using (var during = await client.GetAsync("/api/fast"))
        {
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        // ... so the next stream goes to a new connection, still accepted until the delay ends.
        await Eventually.TrueAsync(
            async () =>
            {
                using var next = await client.GetAsync("/api/fast");
                return next.StatusCode == HttpStatusCode.OK && Volatile.Read(ref connections) >= 2;
            },
            TimeSpan.FromSeconds(2),
            "a request after GOAWAY opens a new connection");
        Assert.True(clock.Elapsed < DrainDelay, $"the drain-time requests took until {clock.Elapsed}");
        Assert.False(slow.IsCompleted, "the slow stream is still in flight");

        // Once the listeners close, a new connection is refused cleanly.
        await Eventually.TrueAsync(
            async () =>
            {
                using var fresh = new HttpClient
                {
                    BaseAddress = h2c,
                    DefaultRequestVersion = HttpVersion.Version20,
                    DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    Timeout = TimeSpan.FromSeconds(2),
                };
                return await Record.ExceptionAsync(() => fresh.GetAsync("/api/fast")) is HttpRequestException;
            },
            DrainDelay + TimeSpan.FromSeconds(3),
            "new connections are refused once the drain delay is over");

        using var slowResponse = await slow;
        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.Equal("slow done", await slowResponse.Content.ReadAsStringAsync());
        await stop.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(clock.Elapsed < DrainDelay + SlowAnswer + TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}");
    }

    private static JsonObject Config(string backend) => new()
    {
        ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        ["ReverseProxy"] = new JsonObject
        {
            ["Routes"] = new JsonObject
            {
                ["api"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" } },
            },
            ["Clusters"] = new JsonObject
            {
                ["api"] = new JsonObject { ["Destinations"] = new JsonObject { ["one"] = new JsonObject { ["Address"] = backend } } },
            },
        },
    };

    /// <summary><c>/api/slow</c> answers after <see cref="SlowAnswer"/>; anything else at once.</summary>
    private static async Task<WebApplication> StartBackendAsync(TaskCompletionSource slowStarted)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        var app = builder.Build();
        app.Run(async context =>
        {
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
