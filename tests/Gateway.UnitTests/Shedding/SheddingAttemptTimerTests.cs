using Gateway.Shedding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>The adaptive limit's signal when the gateway is starved of CPU: the backend's share, not the gateway's wait.</summary>
public sealed class SheddingAttemptTimerTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>Attempts the backend answers with <paramref name="status"/> in <paramref name="elapsed"/>, timed as the shedding transforms time them.</summary>
    private void Attempts(SheddingAttemptTimer timer, ClusterShedder shedder, int count, TimeSpan elapsed, int status = StatusCodes.Status200OK)
    {
        for (var i = 0; i < count; i++)
        {
            var start = timer.Start();
            _time.Advance(elapsed);
            timer.Stop(shedder, start, status);
        }
    }

    [Fact]
    public void Stop_GatewayStarved_LimitSeesTheBackendsLatencyAndDoesNotShrink()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions { MinLimit = 4, InitialLimit = 20, MaxLimit = 20 }, _time);
        var lag = new SchedulingLag();
        var timer = new SheddingAttemptTimer(_time, lag);

        // Unloaded: 20 ms from the backend, no lag; the baseline is measured, then the limit is published.
        Attempts(timer, shedder, 12, TimeSpan.FromMilliseconds(20));
        Assert.Equal(0.02, shedder.Limit.BaselineSeconds, 3);
        var before = shedder.Limit.Current;

        // Starved: the same 20 ms backend, but the gateway's continuations run 80 ms late, as its probe measured.
        lag.Sample((long)(0.08 * _time.TimestampFrequency));
        Attempts(timer, shedder, 30, TimeSpan.FromMilliseconds(100));

        // 100 ms less the 80 ms of lag: the backend's 20 ms.
        Assert.Equal(0.02, shedder.Limit.LatencySeconds, 3);
        Assert.True(shedder.Limit.Current >= before, $"limit fell from {before} to {shedder.Limit.Current}");
    }

    [Fact]
    public void Stop_LagOverestimated_SamplesNeverFasterThanTheBaseline()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions { MinLimit = 4, InitialLimit = 20, MaxLimit = 20 }, _time);
        var lag = new SchedulingLag();
        var timer = new SheddingAttemptTimer(_time, lag);
        Attempts(timer, shedder, 12, TimeSpan.FromMilliseconds(20));

        // A pause delayed the probe by 500 ms but not these requests: their 20 ms stays 20 ms, and so does the baseline.
        lag.Sample((long)(0.5 * _time.TimestampFrequency));
        Attempts(timer, shedder, 30, TimeSpan.FromMilliseconds(20));

        Assert.Equal(0.02, shedder.Limit.LatencySeconds, 3);
        Assert.Equal(0.02, shedder.Limit.BaselineSeconds, 3);
    }

    [Fact]
    public void Stop_Answered5xx_NotCounted()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions(), _time);
        var timer = new SheddingAttemptTimer(_time, new SchedulingLag());

        Attempts(timer, shedder, 10, TimeSpan.FromMilliseconds(50), StatusCodes.Status503ServiceUnavailable);

        Assert.True(double.IsNaN(shedder.Limit.LatencySeconds));
    }
}
