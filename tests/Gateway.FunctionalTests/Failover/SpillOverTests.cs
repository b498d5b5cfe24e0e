using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Failover;

/// <summary>Spill-over by load: the preferred region at its admission limit sends the excess to the next region.</summary>
[Collection(SerialGroup.Name)]
public sealed class SpillOverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PreferredRegionSaturated_ExcessServedByTheNextRegion_NormalLoadStaysInOrder()
    {
        // eu-west: 2 in service x 100 ms; us-east has room to spare. The limit is held at eu-west's capacity.
        await using var eu = await Backends.StartAsync(2, TimeSpan.FromMilliseconds(100), "eu-1@eu-west");
        await using var us = await Backends.StartAsync(16, TimeSpan.FromMilliseconds(100), "us-1@us-east");
        var config = RegionFailoverTests.Config([eu.Instances[0], us.Instances[0]], failbackDelay: "00:00:02", slowStart: "00:00:00");
        // Whatever does not spill queues for eu-west's two slots (ten of them, half a second's work): a wait of 2 s whatever
        // the clients' retry habit, so that this is about where requests go, not how long the queue holds them.
        config["Gateway"]!["Shedding"] = new JsonObject { ["MinLimit"] = 2, ["InitialLimit"] = 2, ["MaxLimit"] = 2, ["PacedQueueTimeout"] = "00:00:02" };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        async Task<string> RegionOfAsync()
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.GetValues("X-Region").Single();
        }

        // One at a time: within the limit, so the failover order holds (this also measures the baseline).
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("eu-west", await RegionOfAsync());
        }

        // Twelve at once: two fit eu-west's limit, the rest would queue for it; us-east has room for them.
        var regions = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(RegionOfAsync)));
        var spilled = regions.Count(r => r == "us-east");
        output.WriteLine($"burst: {regions.Count(r => r == "eu-west")} eu-west, {spilled} us-east");

        Assert.InRange(spilled, 1, 10);
        Assert.Contains("eu-west", regions);

        // Back to one at a time: back to the preferred region.
        Assert.Equal("eu-west", await RegionOfAsync());
    }
}
