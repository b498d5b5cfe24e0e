using LoadTests.Reporting;

namespace LoadTests.Tests.Reporting;

public sealed class LatencySummaryTests
{
    [Fact]
    public void From_UniformOneToHundredMs_PercentilesWithinAPerMille()
    {
        var histogram = Histograms.Create();
        for (var micros = 1; micros <= 100_000; micros++)
        {
            histogram.RecordValue(micros);
        }

        var summary = LatencySummary.From(histogram);

        Assert.Equal(100_000, summary.Count);
        AssertClose(50, summary.P50Ms);
        AssertClose(90, summary.P90Ms);
        AssertClose(99, summary.P99Ms);
        AssertClose(99.9, summary.P999Ms);
        AssertClose(100, summary.MaxMs);
        AssertClose(50, summary.MeanMs);
    }

    [Fact]
    public void From_OnePercentSlow_P99FastP999Slow()
    {
        var histogram = Histograms.Create();
        for (var i = 0; i < 990; i++)
        {
            Histograms.Record(histogram, TimeSpan.FromMilliseconds(1));
        }

        for (var i = 0; i < 10; i++)
        {
            Histograms.Record(histogram, TimeSpan.FromSeconds(1));
        }

        var summary = LatencySummary.From(histogram);

        AssertClose(1, summary.P50Ms);
        AssertClose(1, summary.P99Ms);
        AssertClose(1000, summary.P999Ms);
        AssertClose(1000, summary.MaxMs);
        AssertClose(10.99, summary.MeanMs);
    }

    [Fact]
    public void From_Empty_IsAllZero() => Assert.Equal(LatencySummary.Empty, LatencySummary.From(Histograms.Create()));

    [Fact]
    public void Record_BeyondTheHighestValue_IsClampedNotThrown()
    {
        var histogram = Histograms.Create();

        Histograms.Record(histogram, TimeSpan.FromHours(5));

        AssertClose(Histograms.HighestMicros / 1000.0, LatencySummary.From(histogram).MaxMs);
    }

    // HdrHistogram with 3 significant digits: every value within 0.1 %.
    private static void AssertClose(double expected, double actual) =>
        Assert.InRange(actual, expected * 0.999 - 0.001, expected * 1.001 + 0.001);
}
