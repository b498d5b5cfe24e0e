using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>CoDel's drop in <see cref="ClusterShedder"/>: a queue that has not emptied for StandingQueueInterval.</summary>
public sealed class StandingQueueTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A fixed limit, a 1 s queue wait (so a queue can stand) and CoDel's 5 ms / 100 ms unless told otherwise.</summary>
    private ClusterShedder Fixed(int limit, TimeSpan? standingWait = null) => new(
        "api",
        new SheddingOptions
        {
            Enabled = true,
            MinLimit = limit,
            MaxLimit = limit,
            InitialLimit = limit,
            QueueLimit = 100,
            QueueTimeout = TimeSpan.FromSeconds(1),
            // Critical requests wait as long as others here, so that their queue can stand too.
            CriticalQueueTimeout = TimeSpan.FromSeconds(1),
            StandingQueueWait = standingWait ?? TimeSpan.FromMilliseconds(5),
            StandingQueueInterval = TimeSpan.FromMilliseconds(100),
        },
        _time);

    private static Task<string?> Enter(ClusterShedder shedder, RequestPriority priority = RequestPriority.Default) =>
        shedder.EnterAsync(priority, CancellationToken.None).AsTask();

    private void Advance(int milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    [Fact]
    public async Task Standing_SlotFrees_WaitersPastTheBoundRefused_NewestServed()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var oldest = Enter(shedder);
        Advance(60);
        var older = Enter(shedder);
        Advance(50);
        var newest = Enter(shedder);
        Advance(2);

        // Non-empty for 112 ms: standing. The two that waited 112 and 52 ms are dropped, the one of 2 ms served.
        shedder.Exit();

        Assert.Equal(SheddingReasons.QueueStanding, await oldest);
        Assert.Equal(SheddingReasons.QueueStanding, await older);
        Assert.Null(await newest);
        Assert.Equal(0, shedder.Queued);
        Assert.Equal(1, shedder.InFlight);
    }

    [Fact]
    public async Task QueueThatEmptiesWithinTheInterval_KeepsQueueTimeout()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var first = Enter(shedder);
        Advance(60);
        shedder.Exit();
        Assert.Null(await first);

        // Empty in between: the second wait starts a new interval, and 60 ms of a burst is not a standing queue.
        var second = Enter(shedder);
        Advance(60);
        shedder.Exit();

        Assert.Null(await second);
        Assert.Equal(1, shedder.InFlight);
    }

    [Fact]
    public async Task StandingQueueWaitAtQueueTimeout_TurnsTheDropOff()
    {
        var shedder = Fixed(1, standingWait: TimeSpan.FromSeconds(1));
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var first = Enter(shedder);
        Advance(200);
        var second = Enter(shedder);
        Advance(10);

        shedder.Exit();
        Assert.Null(await first);
        shedder.Exit();
        Assert.Null(await second);
    }

    [Fact]
    public async Task BothQueuesStanding_TheOldWaitersOfEachDropped_NewCriticalServed()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        var oldDefault = Enter(shedder);
        var oldCritical = Enter(shedder, RequestPriority.Critical);
        Advance(150);
        var newCritical = Enter(shedder, RequestPriority.Critical);

        shedder.Exit();

        Assert.Equal(SheddingReasons.QueueStanding, await oldCritical);
        Assert.Null(await newCritical);
        // By its own queue's CoDel drop: a critical queue that stands no longer refuses the waiters below it (they are
        // granted by deadline), but this one stood too, and its waiter waited past the bound.
        Assert.Equal(SheddingReasons.QueueStanding, await oldDefault);
        Assert.Equal(0, shedder.Queued);
    }

    [Fact]
    public async Task DefaultQueueStanding_CriticalWaiterOfItsOwnShortQueue_Served()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        var oldDefault = Enter(shedder);
        Advance(150);
        var critical = Enter(shedder, RequestPriority.Critical);
        Advance(20);

        // The default queue has stood for 170 ms; the critical one for 20 ms, so its waiter's 20 ms is a burst.
        shedder.Exit();

        Assert.Null(await critical);
        Assert.Equal(SheddingReasons.QueueStanding, await oldDefault);
    }

    [Fact]
    public async Task Standing_Arrival_BacklogMeasuredAgainstTheStandingWait()
    {
        var shedder = Fixed(10);
        // Three 100 ms requests close a window: the default share's 8 slots free at 80 a second.
        Advance(200);
        for (var i = 0; i < 3; i++)
        {
            Advance(10);
            shedder.Limit.Record(_time.GetTimestamp() - (_time.TimestampFrequency / 10), _time.GetTimestamp(), 10);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.True(shedder.TryEnter(RequestPriority.Critical));
        }

        // Not standing yet: 80 a second drain a second's wait, so a second waiter queues behind the first.
        var first = Enter(shedder);
        Advance(10);
        var second = Enter(shedder);
        Assert.Equal(2, shedder.Queued);

        // Standing now: two ahead do not drain within 5 ms (0.4 of a request), so a newcomer is refused on arrival.
        Advance(100);
        var late = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        Assert.True(late.IsCompleted, "refused on arrival, not after waiting");
        Assert.Equal(SheddingReasons.Backlog, await late);

        shedder.Exit();
        Assert.Equal(SheddingReasons.QueueStanding, await first);
        Assert.Equal(SheddingReasons.QueueStanding, await second);
    }
}
