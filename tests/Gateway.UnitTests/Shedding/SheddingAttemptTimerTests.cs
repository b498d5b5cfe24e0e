using System.Net;
using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>The adaptive limit's signal when the gateway is starved of CPU: the backend's share, not the gateway's wait.</summary>
public sealed class SheddingLatencyHandlerTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>A backend that answers in <paramref name="backend"/>, seen through a gateway late by <paramref name="gatewayLag"/>.</summary>
    private sealed class Backend(FakeTimeProvider time, Func<TimeSpan> elapsed) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            time.Advance(elapsed());
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    private static async Task SendAsync(HttpMessageInvoker client, ClusterShedder shedder, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
            request.Options.Set(SheddingLatencyHandler.ShedderKey, shedder);
            using var response = await client.SendAsync(request, CancellationToken.None);
        }
    }

    [Fact]
    public async Task SendAsync_GatewayStarved_LimitSeesTheBackendsLatencyAndDoesNotShrink()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions { MinLimit = 4, InitialLimit = 20, MaxLimit = 20 }, _time);
        var lag = new SchedulingLag();
        var elapsed = TimeSpan.FromMilliseconds(20);
        using var client = new HttpMessageInvoker(new SheddingLatencyHandler(new Backend(_time, () => elapsed), _time, lag));

        // Unloaded: 20 ms from the backend, no lag; the baseline is measured, then the limit is published.
        await SendAsync(client, shedder, 12);
        Assert.Equal(0.02, shedder.Limit.BaselineSeconds, 3);
        var before = shedder.Limit.Current;

        // Starved: the same 20 ms backend, but the gateway's continuations run 80 ms late, as its probe measured.
        lag.Sample((long)(0.08 * _time.TimestampFrequency));
        elapsed = TimeSpan.FromMilliseconds(100);
        await SendAsync(client, shedder, 30);

        // 100 ms less the 80 ms of lag: the backend's 20 ms.
        Assert.Equal(0.02, shedder.Limit.LatencySeconds, 3);
        Assert.True(shedder.Limit.Current >= before, $"limit fell from {before} to {shedder.Limit.Current}");
    }

    [Fact]
    public async Task SendAsync_LagOverestimated_SamplesNeverFasterThanTheBaseline()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions { MinLimit = 4, InitialLimit = 20, MaxLimit = 20 }, _time);
        var lag = new SchedulingLag();
        using var client = new HttpMessageInvoker(new SheddingLatencyHandler(new Backend(_time, () => TimeSpan.FromMilliseconds(20)), _time, lag));
        await SendAsync(client, shedder, 12);

        // A pause delayed the probe by 500 ms but not these requests: their 20 ms stays 20 ms, and so does the baseline.
        lag.Sample((long)(0.5 * _time.TimestampFrequency));
        await SendAsync(client, shedder, 30);

        Assert.Equal(0.02, shedder.Limit.LatencySeconds, 3);
        Assert.Equal(0.02, shedder.Limit.BaselineSeconds, 3);
    }

    [Fact]
    public async Task SendAsync_Answered5xx_NotCounted()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions(), _time);
        using var client = new HttpMessageInvoker(new SheddingLatencyHandler(new FailingBackend(), _time, new SchedulingLag()));

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
            request.Options.Set(SheddingLatencyHandler.ShedderKey, shedder);
            using var response = await client.SendAsync(request, CancellationToken.None);
        }

        Assert.True(double.IsNaN(shedder.Limit.LatencySeconds));
    }

    private sealed class FailingBackend : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
    }
}
