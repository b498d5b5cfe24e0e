using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Shutdown;

/// <summary>SIGTERM to the real gateway process, with a slow request in flight, as a rolling restart sends it.</summary>
public sealed class GracefulDrainTests
{
    // Generous, so that the checks "before the delay ends" hold on a busy machine: a 2 s delay failed once when
    // the whole suite ran beside it.
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sigterm_SlowRequestInFlight_ReadyzFailsFirstThenServesTheDelayFinishesInFlightAndExitsZero()
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
