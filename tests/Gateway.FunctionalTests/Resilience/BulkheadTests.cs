using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Xunit.Abstractions;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Resilience;

/// <summary>One cluster hanging at its concurrency limit must not slow another. Timing-sensitive, so run alone.</summary>
[Collection(SerialGroup.Name)]
public sealed class BulkheadTests(ITestOutputHelper output)
{
    private static async Task<GatewayTestHost> StartTwoClustersAsync(global::SampleBackend.SampleBackendHost backends, JsonObject bulkheadA)
    {
        var config = TestConfig.SingleCluster([backends.Instances[0]], routePath: "/a/{**rest}");
        var proxy = config["ReverseProxy"]!;
        proxy["Clusters"]!["b"] = TestConfig.Cluster([backends.Instances[1]]);
        proxy["Routes"]!["b"] = new JsonObject { ["ClusterId"] = "b", ["Match"] = new JsonObject { ["Path"] = "/b/{**rest}" } };
        UsePolicy(proxy["Clusters"]!["api"]!.AsObject(), "a");
        UsePolicy(proxy["Clusters"]!["b"]!.AsObject(), "b");
        config["Gateway"] = Policies(
            ("a", new JsonObject { ["Timeout"] = "00:00:20", ["Bulkhead"] = bulkheadA }),
            ("b", new JsonObject { ["Bulkhead"] = new JsonObject { ["MaxConcurrentRequests"] = 4 } }));
        // The bulkhead alone: shedding (on by default) would hold a hanging cluster at its MinLimit first.
        config["Gateway"]!["Shedding"] = new JsonObject { ["Enabled"] = false };
        return await GatewayTestHost.StartAsync(config);
    }

    [Fact]
    public async Task ClusterAHangingAtItsLimit_IsRefusedAtOnce_ClusterBServedNormally()
    {
        await using var backends = await Backends.StartAsync("a-1@eu-west", "b-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        await using var gateway = await StartTwoClustersAsync(backends, new JsonObject { ["MaxConcurrentRequests"] = 4 });
        using var stuck = new CancellationTokenSource();

        var hanging = Enumerable.Range(0, 4).Select(_ => gateway.Proxy.GetAsync("/a/x", stuck.Token)).ToArray();
        await Eventually.TrueAsync(async () => (await DestinationAsync(gateway, "api", "a-1")).GetProperty("inFlight").GetInt32() == 4);

        var clock = Stopwatch.StartNew();
        using (var refused = await gateway.Proxy.GetAsync("/a/x"))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("overloaded", Reason(refused));
            Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 3);
        }

        var latencies = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            clock.Restart();
            using var response = await gateway.Proxy.GetAsync("/b/x");
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        latencies.Sort();
        output.WriteLine($"cluster b while a is at its limit: p50 {latencies[25]:F2} ms, max {latencies[^1]:F2} ms");
        Assert.True(latencies[25] < 50, $"p50 {latencies[25]:F2} ms");

        await stuck.CancelAsync();
        foreach (var request in hanging)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }
    }

    [Fact]
    public async Task Queue_WaitsForAFreeSlot_UpToQueueTimeout()
    {
        await using var backends = await Backends.StartAsync("a-1@eu-west", "b-1@eu-west");
        backends.Instances[0].Faults.LatencyMs = 1000;
        await using var gateway = await StartTwoClustersAsync(
            backends,
            new JsonObject { ["MaxConcurrentRequests"] = 1, ["QueueLimit"] = 1, ["QueueTimeout"] = "00:00:03" });

        var first = gateway.Proxy.GetAsync("/a/x");
        await Eventually.TrueAsync(async () => (await DestinationAsync(gateway, "api", "a-1")).GetProperty("inFlight").GetInt32() == 1);
        var queued = gateway.Proxy.GetAsync("/a/x");
        // Time for the second request to reach the queue on a busy machine (a 50 ms wait flaked), well inside the
        // first one's second at the backend; the bulkhead shows no queue length to wait on.
        await Task.Delay(300);
        using var refused = await gateway.Proxy.GetAsync("/a/x");

        Assert.Equal("overloaded", Reason(refused));
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
    }
}
