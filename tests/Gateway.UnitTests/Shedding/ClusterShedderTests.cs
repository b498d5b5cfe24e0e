using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

public sealed class ClusterShedderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A shedder whose limit is fixed at <paramref name="limit"/> (MinLimit = MaxLimit), sheddable at half of it.</summary>
    private ClusterShedder Fixed(int limit, int maxQueue = 10, double sheddable = 0.5) => new(
        "api",
        new SheddingOptions
        {
            Enabled = true,
            MinLimit = limit,
            MaxLimit = limit,
            InitialLimit = limit,
            QueueLimit = maxQueue,
            SheddableFraction = sheddable,
            // The queue timings these cases were written for (the defaults before shedding came on by default).
            QueueTimeout = TimeSpan.FromMilliseconds(50),
            StandingQueueWait = TimeSpan.FromMilliseconds(5),
        },
        _time);

    private static async Task AssertRefusedOnArrivalAsync(ValueTask<string?> entering)
    {
        Assert.True(entering.IsCompleted, "refused on arrival, not after waiting");
        Assert.Equal(SheddingReasons.Backlog, await entering);
    }

    private static int Fill(ClusterShedder shedder, RequestPriority priority, int attempts)
    {
        var admitted = 0;
        for (var i = 0; i < attempts; i++)
        {
            admitted += shedder.TryEnter(priority) ? 1 : 0;
        }

        return admitted;
    }

    [Fact]
    public void TryEnter_EachPriorityUpToItsShare()
    {
        // Limit 10, reserve 0.2, sheddable 0.5: sheddable 5, default 8, critical 10.
        var shedder = Fixed(10);

        Assert.Equal(5, Fill(shedder, RequestPriority.Sheddable, 20));
        Assert.Equal(3, Fill(shedder, RequestPriority.Default, 20));
        Assert.Equal(2, Fill(shedder, RequestPriority.Critical, 20));
        Assert.Equal(10, shedder.InFlight);
    }

    [Fact]
    public async Task DefaultSheddableFraction_SheddableUsesTheDefaultShare_YetDefaultWaitersGoFirst()
    {
        var shedder = Fixed(10, sheddable: new SheddingOptions().SheddableFraction);

        Assert.Equal(8, Fill(shedder, RequestPriority.Sheddable, 20));
        var normal = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        Assert.Equal(SheddingReasons.Backlog, await shedder.EnterAsync(RequestPriority.Sheddable, CancellationToken.None));

        shedder.Exit();
        Assert.Null(await normal);
        Assert.Equal(0, Fill(shedder, RequestPriority.Sheddable, 1));
        Assert.Equal(2, Fill(shedder, RequestPriority.Critical, 20));
    }

    [Fact]
    public void TryEnter_DefaultFillsItsShare_CriticalStillGetsTheReserve()
    {
        var shedder = Fixed(10);

        Assert.Equal(8, Fill(shedder, RequestPriority.Default, 20));
        Assert.Equal(0, Fill(shedder, RequestPriority.Sheddable, 1));
        Assert.Equal(2, Fill(shedder, RequestPriority.Critical, 20));
    }

    [Fact]
    public void Threshold_DefaultAlwaysGetsOneSlot_SheddableMayGetNone()
    {
        var shedder = Fixed(1);

        Assert.Equal(1, shedder.Threshold(RequestPriority.Default, 1));
        Assert.Equal(0, shedder.Threshold(RequestPriority.Sheddable, 1));
        Assert.Equal(1, shedder.Threshold(RequestPriority.Critical, 1));
    }

    [Fact]
    public async Task EnterAsync_SlotFreesWithinQueueTimeout_IsAdmitted()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        var waiting = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        Assert.Equal(1, shedder.Queued);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        shedder.Exit();

        Assert.Null(await waiting);
        Assert.Equal(1, shedder.InFlight);
        Assert.Equal(0, shedder.Queued);
    }

    [Fact]
    public async Task EnterAsync_NoSlotWithinQueueTimeout_RefusedAsQueueTimeout()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        var waiting = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(SheddingReasons.QueueTimeout, await waiting);
        Assert.Equal(0, shedder.Queued);

        // The abandoned waiter must not take the slot when it frees.
        shedder.Exit();
        Assert.Equal(0, shedder.InFlight);
    }

    [Fact]
    public async Task EnterAsync_QueueFull_RefusedAtOnce()
    {
        var shedder = Fixed(1, maxQueue: 1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var first = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        Assert.Equal(SheddingReasons.QueueFull, await shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));

        shedder.Exit();
        Assert.Null(await first);
    }

    [Fact]
    public async Task EnterAsync_NoQueue_RefusedAtOnce()
    {
        var shedder = Fixed(1, maxQueue: 0);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        Assert.Equal(SheddingReasons.QueueFull, await shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
    }

    [Fact]
    public async Task EnterAsync_ClientGoesAway_RefusedAsClientGone()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        using var client = new CancellationTokenSource();

        var waiting = shedder.EnterAsync(RequestPriority.Default, client.Token).AsTask();
        await client.CancelAsync();

        Assert.Equal(SheddingReasons.ClientGone, await waiting);
        Assert.Equal(0, shedder.Queued);
    }

    [Fact]
    public async Task Exit_FreedSlot_GoesToCriticalWaiterFirst_ThenOldestOfAClass()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        var default1 = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        var default2 = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        var critical = shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None).AsTask();

        shedder.Exit();
        Assert.Null(await critical);
        Assert.False(default1.IsCompleted);

        shedder.Exit();
        Assert.Null(await default1);
        Assert.False(default2.IsCompleted);

        shedder.Exit();
        Assert.Null(await default2);
    }

    [Fact]
    public async Task EnterAsync_QueueAheadCannotDrainWithinTheWait_RefusedOnArrivalAsBacklog()
    {
        var shedder = Fixed(10);
        // Three 100 ms requests close a window: slots free at 10 / 0.1 s, the default share's 8 at 80 a second,
        // so 4 of them within QueueTimeout (50 ms).
        _time.Advance(TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            shedder.Limit.Record(_time.GetTimestamp() - (_time.TimestampFrequency / 10), _time.GetTimestamp(), 10);
        }

        Assert.Equal(0.1, shedder.Limit.LatencySeconds, 3);
        Assert.Equal(10, Fill(shedder, RequestPriority.Critical, 10));

        var waiting = Enumerable.Range(0, 4).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
        Assert.Equal(4, shedder.Queued);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        // A critical request still queues: none of its class waits ahead of it.
        var critical = shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None).AsTask();
        Assert.Equal(5, shedder.Queued);
        shedder.Exit();
        Assert.Null(await critical);
    }

    [Fact]
    public async Task EnterAsync_SheddableWhileOthersWait_RefusedOnArrivalAsBacklog()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        var normal = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Sheddable, CancellationToken.None));
        Assert.Equal(1, shedder.Queued);
        shedder.Exit();
        Assert.Null(await normal);
    }

    [Fact]
    public async Task TryEnter_WaitersOfItsClass_DoesNotOvertakeThem()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var waiting = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        Assert.False(shedder.TryEnter(RequestPriority.Default));

        shedder.Exit();
        Assert.Null(await waiting);
        Assert.Equal(1, shedder.InFlight);
    }

    [Fact]
    public void TryEnter_WhileBaselineIsMeasured_OnlyMinLimitIsAdmitted()
    {
        var shedder = new ClusterShedder("api", new SheddingOptions { Enabled = true, MinLimit = 5, InitialLimit = 50, CriticalReservedFraction = 0 }, _time);

        Assert.Equal(5, Fill(shedder, RequestPriority.Default, 50));
    }

    [Fact]
    public async Task EnterAsync_QueueFullOfLowerPriority_EvictsTheOldestOfTheLowest()
    {
        var shedder = Fixed(1, maxQueue: 2);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        var sheddable = shedder.EnterAsync(RequestPriority.Sheddable, CancellationToken.None).AsTask();
        var normal = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        var critical = shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None).AsTask();

        Assert.Equal(SheddingReasons.QueueFull, await sheddable);
        Assert.Equal(2, shedder.Queued);
        // Nobody below default is left to evict for another default request.
        Assert.Equal(SheddingReasons.QueueFull, await shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));

        shedder.Exit();
        Assert.Null(await critical);
        Assert.False(normal.IsCompleted);
    }

    [Fact]
    public async Task EnterAsync_EvictedAsItsWaitEnds_IsRefusedAndTakesNoSlot()
    {
        // Regression: an eviction racing the waiter's own timeout or cancellation was taken for a grant, and the
        // request's release drove the in-flight count below zero (the likely cause of -2 seen after a storm).
        var shedder = Fixed(1, maxQueue: 1);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        using var client = new CancellationTokenSource();
        var sheddable = shedder.EnterAsync(RequestPriority.Sheddable, client.Token).AsTask();
        var critical = shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None).AsTask();
        await client.CancelAsync();

        Assert.Equal(SheddingReasons.QueueFull, await sheddable);
        shedder.Exit();
        Assert.Null(await critical);
        Assert.Equal(1, shedder.InFlight);
        shedder.Exit();
        Assert.Equal(0, shedder.InFlight);
    }
}
