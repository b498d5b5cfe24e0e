using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Resilience;

/// <summary>Policies are rebuilt, never mutated, when their config changes. Times a reload, so run alone.</summary>
[Collection(SerialGroup.Name)]
public sealed class PolicyReloadTests
{
    private static JsonObject Policy(string breakDuration) => new()
    {
        ["CircuitBreaker"] = new JsonObject { ["MinimumThroughput"] = 2, ["BreakDuration"] = breakDuration, ["MaxBreakDuration"] = "00:00:30" },
        ["Retry"] = new JsonObject { ["MaxAttempts"] = 1 },
    };

    private static async Task OpenAsync(GatewayTestHost gateway)
    {
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            return await CircuitAsync(gateway, "eu-1") == "open";
        });
    }

    [Fact]
    public async Task BreakDurationChange_RebuildsThePipeline_AndTheNewBreakApplies()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.ErrorRate = 1;
        var config = SingleCluster(backends.Instances, Policy("00:00:01"));
        await using var gateway = await GatewayTestHost.StartAsync(config);
        await OpenAsync(gateway);
        Assert.InRange(await BreakLeftAsync(gateway, "eu-1"), TimeSpan.FromSeconds(-10), TimeSpan.FromSeconds(1.05));

        config["Gateway"] = Policies(("p", Policy("00:00:04")));
        var before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        Assert.Equal("applied", (await gateway.WaitForReloadAsync(before)).Outcome);

        // A rebuilt policy starts with closed circuits; the next break is the new one.
        Assert.Equal("closed", await CircuitAsync(gateway, "eu-1"));
        await OpenAsync(gateway);
        Assert.InRange(await BreakLeftAsync(gateway, "eu-1"), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4.05));
        await Task.Delay(1500);
        using var response = await gateway.Proxy.GetAsync("/api/x");
        Assert.Equal("circuit-open", Reason(response));
    }

    [Fact]
    public async Task UnrelatedChange_KeepsThePolicyAndItsOpenCircuit()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.ErrorRate = 1;
        var config = SingleCluster(backends.Instances, Policy("00:00:10"));
        await using var gateway = await GatewayTestHost.StartAsync(config);
        await OpenAsync(gateway);

        config["ReverseProxy"]!["Routes"]!["other"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/other/{**rest}" } };
        var before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        Assert.Equal("applied", (await gateway.WaitForReloadAsync(before)).Outcome);

        Assert.Equal("open", await CircuitAsync(gateway, "eu-1"));
    }
}
