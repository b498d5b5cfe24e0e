using Gateway.Admin.OperatorConsole;
using Gateway.Answers;
using Gateway.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Telemetry;

public sealed class TrafficStatsTests
{
    [Fact]
    public void Read_RequestsInTwoSeconds_OneValuePerSecondOldestFirst()
    {
        var time = new FakeTimeProvider();
        using var stats = new TrafficStats(time);

        Record(stats, TimeSpan.FromMilliseconds(4), 200);
        Record(stats, TimeSpan.FromMilliseconds(4), 503, GatewayReason.NoHealthyDestination);
        time.Advance(TimeSpan.FromSeconds(1));
        Record(stats, TimeSpan.FromMilliseconds(40), 200);
        time.Advance(TimeSpan.FromSeconds(1));

        var series = stats.Read(3);

        Assert.Equal(3, series.Seconds);
        Assert.Equal(new long[] { 0, 2, 1 }, series.Requests);
        Assert.Equal(new long[] { 0, 1, 0 }, series.Errors);
        Assert.Equal(new long[] { 0, 1, 0 }, series.Rejections[GatewayReason.NoHealthyDestination]);
        Assert.Equal(new double?[] { null, 5, 50 }, series.P99Ms);
    }

    [Fact]
    public void Read_SecondUnderWay_IsLeftOut()
    {
        var time = new FakeTimeProvider();
        using var stats = new TrafficStats(time);

        Record(stats, TimeSpan.Zero, 200);

        Assert.Equal(0, stats.Read(5).Requests.Sum());
    }

    [Fact]
    public void Read_AfterTheWindowWrapsAround_OldSecondsAreGone()
    {
        var time = new FakeTimeProvider();
        using var stats = new TrafficStats(time);
        Record(stats, TimeSpan.Zero, 500);

        time.Advance(TimeSpan.FromSeconds(TrafficStatsConstants.WindowSeconds + TrafficStatsConstants.SpareSlots));
        var series = stats.Read(TrafficStatsConstants.WindowSeconds);

        Assert.Equal(0, series.Requests.Sum());
        Assert.Equal(0, series.Errors.Sum());
    }

    [Fact]
    public void Record_UnknownReason_CountsAsOther()
    {
        var time = new FakeTimeProvider();
        using var stats = new TrafficStats(time);

        Record(stats, TimeSpan.Zero, 429, "something-new");
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, stats.Read(1).Rejections["other"][0]);
    }

    [Theory]
    [InlineData(new long[] { 0, 0, 100 }, 0.99, 2.0)]
    [InlineData(new long[] { 98, 0, 1, 1 }, 0.99, 2.0)]
    [InlineData(new long[] { 99, 0, 0, 1 }, 0.99, 0.5)]
    [InlineData(new long[] { 99, 0, 0, 1 }, 0.999, 3.0)]
    public void Quantile_Histogram_UpperBoundOfTheBucketTheRankFallsIn(long[] buckets, double quantile, double expectedMs)
    {
        Assert.Equal(expectedMs, TrafficStats.Quantile(buckets, quantile));
    }

    [Fact]
    public void Quantile_NoRequests_Null()
    {
        Assert.Null(TrafficStats.Quantile(new long[5], 0.99));
    }

    [Fact]
    public void Quantile_SlowerThanTheLastBound_ReportsTheLastBound()
    {
        var buckets = new long[TrafficStatsConstants.LatencyBoundsMs.Length + 1];
        buckets[^1] = 1;

        Assert.Equal(TrafficStatsConstants.LatencyBoundsMs[^1], TrafficStats.Quantile(buckets, 0.99));
    }

    // Ends within the current second: the fake clock is at a whole second.
    private static void Record(TrafficStats stats, TimeSpan latency, int status, string? reason = null) =>
        stats.Record(latency.TotalSeconds, status, reason);
}
