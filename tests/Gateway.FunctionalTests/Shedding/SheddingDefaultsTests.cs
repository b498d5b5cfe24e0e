using System.Net;
using Gateway.FunctionalTests.Fixtures;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>Shedding is on without configuration: a gateway whose config says nothing of it sheds a storm.</summary>
[Collection(SerialGroup.Name)]
public sealed class SheddingDefaultsTests(ITestOutputHelper output)
{
    private const int Capacity = 4;
    private const int Storm = 400;
    private static readonly TimeSpan ServiceTime = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task NoSheddingSection_Storm_IsShedAndTheBackendQueueStaysShort()
    {
        // 4 in service x 50 ms = 80 calls/s: 400 calls at once are 5 s of work, far more than the default queue holds
        // (PacedQueueTimeout, half a second, until refused clients are seen retrying at once).
        await using var backends = await Backends.StartAsync(Capacity, ServiceTime, "a-1@eu-west");
        var backend = backends.Instances[0];
        var config = TestConfig.SingleCluster([backend]);
        Assert.Null(config["Gateway"]!["Shedding"]);
        await using var gateway = await GatewayTestHost.StartAsync(config);
        for (var i = 0; i < 10; i++)
        {
            using var warm = await gateway.Proxy.GetAsync("/api/warm");
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        backend.Capacity.ResetPeak();
        var results = await Task.WhenAll(Enumerable.Range(0, Storm).Select(_ => Task.Run(async () =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            return (response.StatusCode, Reason: response.Headers.TryGetValues("X-Gateway-Reason", out var r) ? r.Single() : null);
        })));

        var ok = results.Count(r => r.StatusCode == HttpStatusCode.OK);
        var overloaded = results.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable && r.Reason == "overloaded");
        output.WriteLine($"{ok} ok, {overloaded} overloaded, backend peak queue {backend.Capacity.PeakQueued}");

        Assert.Equal(Storm, ok + overloaded);
        Assert.True(overloaded > 0, "nothing was shed");
        // It serves while it sheds: at least two rounds of its four slots. (About 40 fit the half-second wait on a quiet
        // machine, 61 were seen; a fresh-clone suite run beside the other test classes served 16.)
        Assert.True(ok >= 8, $"only {ok} served");
        // Passed straight on, the backend's own queue would take the whole storm (about 396).
        Assert.InRange(backend.Capacity.PeakQueued, 0, 40);
    }
}
