using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.Limits;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// New-connection storms against the connection rates, on real Kestrel. The token buckets refill on real time, so
/// these wait real seconds and assert generous ranges; timing-sensitive, so they run alone (serial group).
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class ProxyConnectionLimitTests(ITestOutputHelper output)
{
    private static readonly IPAddress OtherClient = IPAddress.Parse("127.0.0.2");

    // The buckets of 5/s are whole again one second after a burst; the rest is slack for a busy machine.
    private static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(1300);

    /// <summary>
    /// 20 connections at once against <c>MaxNewConnectionsPerSecond</c> = 5. Pass: 3 to 8 are served (the burst of 5,
    /// give or take a refill step or a slow connect), every other one is closed without a byte of response, the
    /// closes are counted with reason <c>connection_rate</c>, and a second later new connections are served again.
    /// </summary>
    [Fact]
    public async Task NewConnectionStorm_OverTheRate_ClosedWithoutResponse_ServedAgainASecondLater()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var limits = new JsonObject { ["MaxNewConnectionsPerSecond"] = 5 };
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances, limits));
        using var rejected = Collect(gateway);

        var storm = await StormAsync(gateway, IPAddress.Loopback, 20);
        await Task.Delay(Refill);
        var after = await StormAsync(gateway, IPAddress.Loopback, 3);

        var served = storm.Count(s => s == 200);
        output.WriteLine($"storm: {served} of 20 served; statuses {string.Join(",", storm)}; a second later: {string.Join(",", after)}");
        Assert.InRange(served, 3, 8);
        Assert.All(storm, s => Assert.True(s is 200 or 0, $"status {s}"));
        Assert.All(after, s => Assert.Equal(200, s));
        Assert.Equal(20 - served, Rejections(rejected, "connection_rate"));
    }

    /// <summary>
    /// 20 connections at once from 127.0.0.1 against <c>MaxNewConnectionsPerSecondPerClient</c> = 5, then 3 from
    /// 127.0.0.2. Pass: 3 to 8 of the first client's are served and the rest closed without a response (reason
    /// <c>client_connection_rate</c>), the other client is served in full at once, and a second later the first
    /// client is served again.
    /// </summary>
    [Fact]
    public async Task NewConnectionStormFromOneClient_OverItsRate_OtherClientsServed()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var limits = new JsonObject { ["MaxNewConnectionsPerSecondPerClient"] = 5 };
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances, limits));
        using var rejected = Collect(gateway);

        var storm = await StormAsync(gateway, IPAddress.Loopback, 20);
        var other = await StormAsync(gateway, OtherClient, 3);
        await Task.Delay(Refill);
        var after = await StormAsync(gateway, IPAddress.Loopback, 3);

        var served = storm.Count(s => s == 200);
        output.WriteLine($"storm: {served} of 20 served; other client: {string.Join(",", other)}; a second later: {string.Join(",", after)}");
        Assert.InRange(served, 3, 8);
        Assert.All(storm, s => Assert.True(s is 200 or 0, $"status {s}"));
        Assert.All(other, s => Assert.Equal(200, s));
        Assert.All(after, s => Assert.Equal(200, s));
        Assert.Equal(20 - served, Rejections(rejected, "client_connection_rate"));
        Assert.Equal(0, Rejections(rejected, "connection_rate"));
    }

    internal static Task<int[]> StormAsync(GatewayTestHost gateway, IPAddress from, int connections) =>
        Task.WhenAll(Enumerable.Range(0, connections).Select(_ => RawHttp.GetStatusFromAsync(gateway.ProxyUrl, from)));

    private static MetricCollector<long> Collect(GatewayTestHost gateway) =>
        new(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.edge.rejected_connections");

    private static long Rejections(MetricCollector<long> collector, string reason) =>
        collector.GetMeasurementSnapshot()
            .Where(m => (string?)m.Tags[MetricTags.ConnectionReason] == reason)
            .Sum(m => m.Value);
}
