using HdrHistogram;

namespace LoadTests.Reporting;

/// <summary>Latency histograms in microseconds; anything beyond the highest value is recorded as the highest.</summary>
internal static class Histograms
{
    /// <summary>Ten minutes: longer than any bounded run lets a call last.</summary>
    public const long HighestMicros = 10L * 60 * 1000 * 1000;

    /// <summary>Three digits for the tables (0.1 % error); two for the per-second timeline, which only draws p99.</summary>
    public static LongHistogram Create(int significantDigits = 3) => new(1, HighestMicros, significantDigits);

    public static void Record(HistogramBase histogram, TimeSpan latency)
    {
        var micros = (long)latency.TotalMicroseconds;
        histogram.RecordValue(Math.Clamp(micros, 1, HighestMicros));
    }
}
