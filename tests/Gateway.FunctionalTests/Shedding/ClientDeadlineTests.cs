using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Shedding;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>
/// A request that says how long its client waits (<c>X-Request-Deadline</c>) is refused at once when the gateway's
/// queue would serve it too late, and waits like any other when it would not.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class ClientDeadlineTests
{
    // One request at a time, half a second each: a request queued behind another is answered a second after it came.
    private static readonly TimeSpan ServiceTime = TimeSpan.FromMilliseconds(500);

    private static async Task<(HttpStatusCode Status, string? Reason, string? RetryAfter)> GetAsync(HttpClient client, string? deadline)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        if (deadline is not null)
        {
            request.Headers.Add("X-Request-Deadline", deadline);
        }

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return (
            response.StatusCode,
            response.Headers.TryGetValues("X-Gateway-Reason", out var reason) ? reason.Single() : null,
            response.Headers.TryGetValues("Retry-After", out var retry) ? retry.Single() : null);
    }

    [Fact]
    public async Task QueuedBehindASlowRequest_ShortDeadlineRefusedAtOnce_LongDeadlineAndNoneServed()
    {
        await using var backends = await Backends.StartAsync(1, ServiceTime, "a-1@eu-west");
        var config = TestConfig.SingleCluster([backends.Instances[0]]);
        config["ReverseProxy"]!["Clusters"]!["api"]!["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } };
        config["Gateway"]!["Shedding"] = new JsonObject
        {
            ["MinLimit"] = 1,
            ["InitialLimit"] = 1,
            ["MaxLimit"] = 1,
            ["QueueTimeout"] = "00:00:05",
            // Whatever the clients' retry habit, so that only the deadline decides.
            ["PacedQueueTimeout"] = "00:00:05",
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        // Three answers close the limit's first window: the backend's latency, half a second, is known.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway.Proxy, null)).Status);
        }

        var cluster = gateway.Services.GetRequiredService<SheddingRegistry>().All().Single();
        Assert.InRange(cluster.Limit.LatencySeconds, 0.4, 5);

        var first = GetAsync(gateway.Proxy, null);
        Assert.True(SpinWait.SpinUntil(() => cluster.InFlight == 1, TimeSpan.FromSeconds(5)), "the first request never took the slot");

        // Its client waits 800 ms; a slot frees in up to 500 ms and the answer takes as long again: refused now, with
        // a Retry-After, while the first request still holds the slot.
        var (status, reason, retryAfter) = await GetAsync(gateway.Proxy, "800");
        Assert.False(first.IsCompleted, "the refusal waited for the slot");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "overloaded"), (status, reason));
        Assert.NotNull(retryAfter);

        // Without a deadline, or with one the queue can keep, the same request waits and is served.
        var none = GetAsync(gateway.Proxy, null);
        var patient = GetAsync(gateway.Proxy, "10000");
        Assert.Equal(HttpStatusCode.OK, (await first).Status);
        Assert.Equal(HttpStatusCode.OK, (await none).Status);
        Assert.Equal(HttpStatusCode.OK, (await patient).Status);
    }
}
