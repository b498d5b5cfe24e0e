using System.Net;
using System.Text.Json.Nodes;
using Gateway.Shedding;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>Shedding's slow start coordinated with the circuit breaker, on real Kestrel. Timing-sensitive, so run alone.</summary>
[Collection(SerialGroup.Name)]
public sealed class RecoverySlowStartTests
{
    private const int Capacity = 8;
    private const int InitialLimit = 4;

    [Fact]
    public async Task ClusterBackFromAnOutage_LimitStartsOverFromInitialLimit()
    {
        await using var backends = await Backends.StartAsync(Capacity, TimeSpan.FromMilliseconds(20), "eu-1@eu-west");
        var backend = backends.Instances[0];
        var config = SingleCluster(backends.Instances, new JsonObject
        {
            ["CircuitBreaker"] = new JsonObject
            {
                ["FailureRatio"] = 0.5,
                ["MinimumThroughput"] = 10,
                ["SamplingDuration"] = "00:00:10",
                ["BreakDuration"] = "00:00:01",
            },
            ["Retry"] = new JsonObject { ["MaxAttempts"] = 1 },
        });
        config["Gateway"]!["Shedding"] = new JsonObject
        {
            ["Enabled"] = true,
            ["MinLimit"] = 2,
            ["InitialLimit"] = InitialLimit,
            ["MaxLimit"] = 64,
            ["SampleWindow"] = "00:00:00.050",
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        (await gateway.Proxy.GetAsync("/api/x")).Dispose(); // the cluster's shedder is built by its first request
        var limit = gateway.Services.GetRequiredService<SheddingRegistry>().All().Single().Limit;

        // Busy windows at the backend's service time: slow start doubles the limit from InitialLimit.
        await Eventually.TrueAsync(async () =>
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ => (await gateway.Proxy.GetAsync("/api/x")).Dispose()));
            return limit.Current > InitialLimit;
        }, TimeSpan.FromSeconds(15));

        // The backend fails: the only circuit opens, the cluster is out.
        // (The warm-up's successes share the sampling window, so how many failures it takes varies.)
        backend.Faults.ErrorRate = 1;
        for (var i = 0; i < 500 && await CircuitAsync(gateway, "eu-1") != "open"; i++)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
        }

        Assert.Equal("open", await CircuitAsync(gateway, "eu-1"));
        var beforeOutageEnds = limit.Current;
        Assert.True(beforeOutageEnds > InitialLimit, $"limit {beforeOutageEnds}");

        // It comes back: the probe closes the circuit and the limit starts over, to be proven again.
        backend.Faults.Clear();
        await Eventually.TrueAsync(async () => await BreakLeftAsync(gateway, "eu-1") <= TimeSpan.Zero);
        using (var probe = await gateway.Proxy.GetAsync("/api/x"))
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        Assert.Equal("closed", await CircuitAsync(gateway, "eu-1"));
        Assert.Equal(InitialLimit, limit.Current);
        Assert.True(limit.InSlowStart);
    }
}
