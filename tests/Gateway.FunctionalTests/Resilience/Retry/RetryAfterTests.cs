using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Resilience;

/// <summary>
/// A backend's Retry-After is waited out when it fits in the time left and in the policy's BackoffMaxDelay, and otherwise
/// handed to the client.
/// </summary>
public sealed class RetryAfterTests
{
    /// <summary>A backend that always answers 503 with <c>Retry-After: 1</c>.</summary>
    private static async Task<WebApplication> StartBusyBackendAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return context.Response.WriteAsync("busy");
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<(GatewayTestHost Gateway, WebApplication Busy, global::SampleBackend.SampleBackendHost Backends)> StartAsync(string timeout, JsonObject? retry = null)
    {
        var backends = await Backends.StartAsync("ok-1@eu-west");
        var port = FreePort.Next();
        var busy = await StartBusyBackendAsync(port);
        var policy = new JsonObject { ["Timeout"] = timeout };
        if (retry is not null)
        {
            policy["Retry"] = retry;
        }

        var config = SingleCluster(backends.Instances, policy);
        var destinations = config["ReverseProxy"]!["Clusters"]!["api"]!["Destinations"]!.AsObject();
        destinations["busy"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{port}/" };
        // Every request tries the busy destination first.
        config["ReverseProxy"]!["Clusters"]!["api"]!["LoadBalancingPolicy"] = "FirstAlphabetical";
        var gateway = await GatewayTestHost.StartAsync(config);
        return (gateway, busy, backends);
    }

    [Fact]
    public async Task RetryAfterWithinTheTimeout_IsWaitedOutThenRetriedElsewhere()
    {
        var (gateway, busy, backends) = await StartAsync("00:00:05");
        await using var _ = gateway;
        await using var __ = busy;
        await using var ___ = backends;

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok-1", (await EchoAsync(response))!.Instance);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    /// <param name="backoffMaxDelay">The policy's longest wait between attempts; null for the default (1 s).</param>
    [Theory]
    // Beyond the time left.
    [InlineData("00:00:00.800", null)]
    // Time enough to wait the backend's second out, but beyond the policy's longest backoff.
    [InlineData("00:00:05", "00:00:00.200")]
    public async Task RetryAfterBeyondTheTimeOrTheBackoffMaxDelay_GoesToTheClientAtOnce(string timeout, string? backoffMaxDelay)
    {
        var (gateway, busy, backends) = await StartAsync(timeout, backoffMaxDelay is null ? null : new JsonObject { ["BackoffMaxDelay"] = backoffMaxDelay });
        await using var _ = gateway;
        await using var __ = busy;
        await using var ___ = backends;
        // The first request through a fresh gateway pays for JIT and connections; time the second.
        (await gateway.Proxy.GetAsync("/api/x")).Dispose();

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("busy", await response.Content.ReadAsStringAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(700), $"took {clock.Elapsed}");
        Assert.Equal(0, backends.Instances[0].Capacity.Served);
    }
}
