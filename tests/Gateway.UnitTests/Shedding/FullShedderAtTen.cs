using Gateway.Shedding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>A shedder whose queue decisions can be worked out by hand: its limit, its latency and its queue's wait.</summary>
internal static class FullShedderAtTen
{
    /// <summary>
    /// A limit fixed at 10 held by critical requests after a window of three 100 ms requests (so the limit has a
    /// latency and is no longer finding capacity; default slots free at 80 a second), a 2 s queue of up to 1000.
    /// </summary>
    public static ClusterShedder Create(FakeTimeProvider time, Func<SheddingOptions, SheddingOptions>? configure = null, ILogger? logger = null)
    {
        var options = new SheddingOptions
        {
            Enabled = true,
            MinLimit = 10,
            MaxLimit = 10,
            InitialLimit = 10,
            QueueLimit = 1000,
            QueueTimeout = TimeSpan.FromSeconds(2),
            PacedQueueTimeout = TimeSpan.FromSeconds(2),
        };
        var shedder = new ClusterShedder("api", configure is null ? options : configure(options), time, logger: logger);
        time.Advance(TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            shedder.Limit.Record(time.GetTimestamp() - (time.TimestampFrequency / 10), time.GetTimestamp(), 10);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.True(shedder.TryEnter(RequestPriority.Critical));
        }

        return shedder;
    }
}
