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

    /// <summary>Closes a window of three 100 ms requests, so the limit's latency is 0.1 s.</summary>
    private void RecordWindowOfHundredMillisecondRequests(ClusterShedder shedder)
    {
        _time.Advance(TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            shedder.Limit.Record(_time.GetTimestamp() - (_time.TimestampFrequency / 10), _time.GetTimestamp(), 10);
        }
    }

    /// <summary>A limit fixed at 10 held by critical requests, 100 ms requests, a 2 s queue: default slots free at 80 a second.</summary>
    private ClusterShedder FullAtTenWithATwoSecondQueue()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { Enabled = true, MinLimit = 10, MaxLimit = 10, InitialLimit = 10, QueueLimit = 1000, QueueTimeout = TimeSpan.FromSeconds(2), PacedQueueTimeout = TimeSpan.FromSeconds(2) },
            _time);
        RecordWindowOfHundredMillisecondRequests(shedder);
        Assert.Equal(10, Fill(shedder, RequestPriority.Critical, 10));
        return shedder;
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
        RecordWindowOfHundredMillisecondRequests(shedder);

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
    public async Task EnterAsync_ClientsSeenGivingUpAfterOneSecond_QueueHeldUnderTheirPatience()
    {
        // Limit 10, 100 ms requests: default slots free at 80 a second. With the 2 s wait 160 default requests may
        // queue; once a dozen clients are seen leaving after 1 s, the wait is held to 1 s less twice the latency.
        var shedder = FullAtTenWithATwoSecondQueue();
        using var leaving = new CancellationTokenSource();
        var impatient = Enumerable.Range(0, 12).Select(_ => shedder.EnterAsync(RequestPriority.Default, leaving.Token).AsTask()).ToList();
        _time.Advance(TimeSpan.FromSeconds(1));
        await leaving.CancelAsync();
        Assert.All(await Task.WhenAll(impatient), r => Assert.Equal(SheddingReasons.ClientGone, r));
        Assert.Equal(0, shedder.Queued);

        // 80 a second for 0.8 s: 64 wait, the 65th is refused on arrival.
        var waiting = Enumerable.Range(0, 64).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
    }

    [Fact]
    public async Task Exit_OneSlowWindowWhileClientsAreKnownToWaitOneSecond_DoesNotCutTheWaitersDeadline()
    {
        // A limit of 1, a 20 ms backend (baseline), clients seen leaving after 1 s: a waiter has until 1 s less twice
        // the latency. One window of 400 ms (the gateway without a core, say) must not make that 0.5 s: the sweep
        // then refused 400 waiters at once after 0.6 s in the queue that the queue was about to serve.
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { Enabled = true, MinLimit = 1, MaxLimit = 1, InitialLimit = 1, QueueLimit = 100, QueueTimeout = TimeSpan.FromSeconds(2), PacedQueueTimeout = TimeSpan.FromSeconds(2) },
            _time);
        _time.Advance(shedder.Options.SampleWindow);
        RecordWindow(shedder, 0.02);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        using (var leaving = new CancellationTokenSource())
        {
            var impatient = Enumerable.Range(0, 12).Select(_ => shedder.EnterAsync(RequestPriority.Default, leaving.Token).AsTask()).ToList();
            _time.Advance(TimeSpan.FromSeconds(1));
            await leaving.CancelAsync();
            Assert.All(await Task.WhenAll(impatient), r => Assert.Equal(SheddingReasons.ClientGone, r));
        }

        // Ten waiters served at 10 a second.
        var waiters = Enumerable.Range(0, 10).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        for (var i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(8), w => Assert.Null(w.Result));
        RecordWindow(shedder, 0.4);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        shedder.Exit();

        // 850 ms in: the ninth is granted; the tenth, next in line with 90 ms to its deadline, keeps its place.
        Assert.Null(await waiters[8]);
        Assert.False(waiters[9].IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(80));
        shedder.Exit();
        Assert.Null(await waiters[9]);
    }

    /// <summary>Closes the sample window (due by now) with three requests of <paramref name="seconds"/> each.</summary>
    private void RecordWindow(ClusterShedder shedder, double seconds) => RecordWindowEndingNow(shedder, _time, seconds);

    [Fact]
    public async Task EnterAsync_NoClientSeenGivingUp_QueueHoldsTheConfiguredWait()
    {
        var shedder = FullAtTenWithATwoSecondQueue();
        var waiting = Enumerable.Range(0, 160).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
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
    public async Task EnterAsync_DefaultRequestMustQueue_SheddableWaitersRefusedAtOnce()
    {
        var shedder = Fixed(1);
        Assert.True(shedder.TryEnter(RequestPriority.Critical));
        var sheddable = shedder.EnterAsync(RequestPriority.Sheddable, CancellationToken.None).AsTask();
        Assert.False(sheddable.IsCompleted);

        var normal = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        // Every slot that frees goes to the default waiter first: the sheddable one hears now, not at its timeout.
        Assert.Equal(SheddingReasons.Backlog, await sheddable);
        Assert.Equal(1, shedder.Queued);
        shedder.Exit();
        Assert.Null(await normal);
    }

    [Fact]
    public async Task EnterAsync_SheddableWithinTheCalmAfterADefaultWaiter_RefusedOnArrival_QueuesAfterIt()
    {
        // Limit 2: default and sheddable may each hold one slot.
        var shedder = Fixed(2);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var normal = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        shedder.Exit();
        Assert.Null(await normal);
        Assert.Equal(0, shedder.Queued);

        // Nobody waits now, but a default request had to a moment ago: a storm's default queue empties between bursts.
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Sheddable, CancellationToken.None));

        _time.Advance(SheddingConstants.SheddableQueueCalm);
        var later = shedder.EnterAsync(RequestPriority.Sheddable, CancellationToken.None).AsTask();
        Assert.False(later.IsCompleted);
        shedder.Exit();
        Assert.Null(await later);
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
        var older = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        var normal = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        var critical = shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None).AsTask();

        Assert.Equal(SheddingReasons.QueueFull, await older);
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

    /// <summary>Refused as backlog with no more fake time passing (the outcome reaches the task on the thread pool).</summary>
    private static async Task AssertRefusedAsBacklogWithoutWaitingAsync(IEnumerable<Task<string?>> waiters)
    {
        foreach (var waiter in waiters)
        {
            Assert.Equal(SheddingReasons.Backlog, await waiter.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
        }
    }

    /// <summary>
    /// A limit of 1 held by one request, 30 default waiters queued at once with a 1 s QueueTimeout, and then a slot
    /// freed every 100 ms: a cluster that serves this queue at 10 a second, whatever the latency estimate says.
    /// </summary>
    private (ClusterShedder Shedder, List<Task<string?>> Waiters) QueueServedAtTenASecond(int queueTimeoutSeconds = 1)
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { Enabled = true, MinLimit = 1, MaxLimit = 1, InitialLimit = 1, QueueLimit = 100, QueueTimeout = TimeSpan.FromSeconds(queueTimeoutSeconds), PacedQueueTimeout = TimeSpan.FromSeconds(queueTimeoutSeconds), CriticalQueueTimeout = TimeSpan.FromSeconds(queueTimeoutSeconds) },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var waiters = Enumerable.Range(0, 30).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        return (shedder, waiters);
    }

    [Fact]
    public async Task Exit_QueueServedTooSlowlyForItsTail_RefusesTheTailAsBacklogBeforeQueueTimeout()
    {
        var (shedder, waiters) = QueueServedAtTenASecond();

        // 100 ms in, the first completion: counted over no less than 100 ms, 10 a second (no latency is known, so no
        // floor of limit / latency). With 900 ms left even twice that pace reaches 2 x 10 x 0.9 = 18 of the 29 left:
        // waiters 19 to 29 hear so now rather than at their QueueTimeout 900 ms later; 1 to 18 keep waiting.
        _time.Advance(TimeSpan.FromMilliseconds(100));
        shedder.Exit();
        Assert.Null(await waiters[0]);
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(19));
        Assert.All(waiters.Skip(1).Take(18), w => Assert.False(w.IsCompleted));
        Assert.Equal(18, shedder.Queued);

        // 2 completions in the 100 ms since the first, then 3 in 200 ms: 20 and 15 a second, and at twice that,
        // 2 x 20 x 0.8 = 32 and 2 x 15 x 0.7 = 21 reach all 17 and 16 left.
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(3), w => Assert.Null(w.Result));
        Assert.All(waiters.Skip(3).Take(16), w => Assert.False(w.IsCompleted));
        Assert.Equal(16, shedder.Queued);

        // As the time left shrinks, the sweep keeps cutting the tail; the kept are served at the cluster's pace.
        // n completions over (n - 1) x 100 ms, after each grant, against twice that pace over the time left:
        // 400 ms: 13.3/s, 2 x 13.3 x 0.6 = 16 for 15 left, none refused;
        // 500 ms: 12.5/s, 2 x 12.5 x 0.5 = 12.5 for 14 left, waiters 17 and 18 refused;
        // 600 ms: 12/s, 9.6 for 11 left, 15 and 16; 700 ms: 11.7/s, 7 for 8 left, 14;
        // 800 ms: 11.4/s, 4.6 for 6 left, 12 and 13; 900 ms: 11.25/s, 2.25 for 3 left, 11.
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(9), w => Assert.Null(w.Result));
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(11).Take(8));
        Assert.Equal(2, shedder.Queued);

        // Waiters 9 and 10 were within reach at twice the pace, not at the pace: their wait ends at its QueueTimeout.
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(SheddingReasons.QueueTimeout, await waiters[9]);
        Assert.Equal(SheddingReasons.QueueTimeout, await waiters[10]);
        // The last waiters leave the queue's count on their own continuations (one failed CI-like run read 1 here).
        Assert.True(SpinWait.SpinUntil(() => shedder.Queued == 0, TimeSpan.FromSeconds(2)), $"{shedder.Queued} still queued");
    }

    [Fact]
    public async Task EnterAsync_ClusterCompletesTooFewWithinTheWait_RefusedOnArrivalByItsCompletions()
    {
        var (shedder, waiters) = QueueServedAtTenASecond();
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        // 16 wait (the first sweep refused 19 to 29, see above). The cluster completed 3 in the 200 ms since its first
        // completion, 15 a second: within the 1 s wait 15 slots, and a newcomer would be 17th (and past the default
        // share, 0.8 x 15 = 12). No latency was ever recorded: there is no floor of limit / latency to lift the pace.
        Assert.Equal(16, shedder.Queued);
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));

        // A critical request here may wait as long as they (CriticalQueueTimeout 1 s): due after all 16, it would be
        // 17th in deadline order, past the 15 x 0.5 s = 7.5 slots within half its wait. Refused on arrival too.
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None));
        Assert.Equal(16, shedder.Queued);
        Assert.All(waiters.Skip(3).Take(16), w => Assert.False(w.IsCompleted));
    }

    [Fact]
    public async Task EnterAsync_LimitStillInSlowStart_SlowQueueRefusesNobodyOnItsPace()
    {
        // The same slow queue as above, but under a limit that may still double (MaxLimit 100): its pace says how
        // cautious the start-up limit is, not how fast the backend serves, so nobody is refused on it.
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { Enabled = true, MinLimit = 1, MaxLimit = 100, InitialLimit = 1, QueueLimit = 100, QueueTimeout = TimeSpan.FromSeconds(1), PacedQueueTimeout = TimeSpan.FromSeconds(1) },
            _time);
        Assert.True(shedder.Limit.FindingCapacity);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var waiters = Enumerable.Range(0, 30).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(3), w => Assert.Null(w.Result));
        Assert.All(waiters.Skip(3), w => Assert.False(w.IsCompleted));
        var joined = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        Assert.False(joined.IsCompleted);
        Assert.Equal(28, shedder.Queued);

        // The wait still ends at QueueTimeout.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SheddingReasons.QueueTimeout, await waiters[29]);
    }

    [Fact]
    public async Task EnterAsync_LimitStillInSlowStart_CriticalNewcomerThePaceWillNotReachRefusedOnArrival()
    {
        // A critical wait (50 ms) is shorter than a window (100 ms), in which slow start doubles the limit at most once,
        // and half of it is left for slip: judged on the pace now even in slow start. Let in on no pace at all, critical
        // waiters of storm 233318 timed out after 51-72 ms while the limit went from 20 to 40 to 80.
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { Enabled = true, MinLimit = 1, InitialLimit = 4, MaxLimit = 100, QueueLimit = 100, QueueTimeout = TimeSpan.FromSeconds(1), PacedQueueTimeout = TimeSpan.FromSeconds(1) },
            _time);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        RecordWindowEndingNow(shedder, _time, 0.02);
        Assert.True(shedder.Limit.FindingCapacity);
        Assert.Equal(4, shedder.Limit.Current);
        Assert.Equal(4, Fill(shedder, RequestPriority.Critical, 4));

        // 4 in flight over 20 ms, 200 a second, is 5 slots within half of the 50 ms wait: five queue, the sixth is refused.
        var waiters = Enumerable.Range(0, 5).Select(_ => shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None).AsTask()).ToList();
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None));

        // A default request, whose wait spans windows of doubling, is still not judged on the start-up limit's pace.
        var joined = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        Assert.False(joined.IsCompleted);
        Assert.Equal(6, shedder.Queued);
    }

    [Fact]
    public async Task EnterAsync_NothingCompletedYet_NoPaceToJudgeBy_QueuesAsBefore()
    {
        var (shedder, waiters) = QueueServedAtTenASecond();
        _time.Advance(TimeSpan.FromMilliseconds(100));

        // Nothing has completed and no latency is known: no pace to refuse anyone on, on arrival or by the sweep (each
        // EnterAsync grants and sweeps). QueueLimit and QueueTimeout are all that bound the queue.
        var joined = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        Assert.False(joined.IsCompleted);
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        Assert.Equal(31, shedder.Queued);
    }

    [Fact]
    public async Task Exit_AfterAPauseInCompletions_JudgesByTheCountSinceItBegan_NotTheLastMoments()
    {
        var (shedder, waiters) = QueueServedAtTenASecond(queueTimeoutSeconds: 2);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        // 5 completions in the 400 ms since the first, 12.5 a second, and 1.5 s left: at twice it all 25 left are
        // reached (2 x 12.5 x 1.5 = 37.5).
        Assert.Equal(25, shedder.Queued);

        // A 400 ms pause (a GC, a moment without a core), then a completion: the last 400 ms alone say 2.5 a second,
        // the count since it began 6 in 0.8 s, 7.5. Judged by the latter (twice it for the 1.1 s left, 16.5), waiters
        // 6 to 21 are still reached and keep waiting; by the former only 6 to 10 (5.5) would be.
        _time.Advance(TimeSpan.FromMilliseconds(400));
        shedder.Exit();
        Assert.Null(await waiters[5]);
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(22));
        Assert.All(waiters.Skip(6).Take(16), w => Assert.False(w.IsCompleted));
        Assert.Equal(16, shedder.Queued);
    }

    /// <summary>
    /// Three requests of <paramref name="seconds"/> each, ending now, with <paramref name="inFlight"/> in flight: by
    /// default the limit used to the full (a window that used under half of it would not move it).
    /// </summary>
    private static void RecordWindowEndingNow(ClusterShedder shedder, FakeTimeProvider time, double seconds, int? inFlight = null)
    {
        for (var i = 0; i < 3; i++)
        {
            shedder.Limit.Record(time.GetTimestamp() - (long)(seconds * time.TimestampFrequency), time.GetTimestamp(), inFlight ?? shedder.Limit.Current);
        }
    }

    /// <summary>
    /// A limit of 12 past slow start over a backend that answers in 1 s (so limit / latency, the floor of the cluster's
    /// pace, is 12 a second), its 9 default slots held, 9 default waiters in a 1 s queue (the 10th is refused), then a
    /// slot freed at 100 ms and 200 ms, a pause (the backend slowing), and one more at 650 ms: 3 granted, 6 left.
    /// </summary>
    private (ClusterShedder Shedder, List<Task<string?>> Waiters) QueueServedUnderALimitOfTwelve()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions
            {
                Enabled = true,
                MinLimit = 1,
                InitialLimit = 16,
                MaxLimit = 100,
                Tolerance = 1,
                ToleranceFloor = TimeSpan.Zero,
                Smoothing = 1,
                QueueLimit = 100,
                QueueTimeout = TimeSpan.FromSeconds(1),
                PacedQueueTimeout = TimeSpan.FromSeconds(1),
            },
            _time);

        // The first window measures the no-load latency; one at twice it ends slow start at 16 x 0.5 + 4 = 12; one
        // at the baseline again with one in flight holds it there. Each window's requests begin after the last window
        // closed (2.5 s apart), or the baseline measurement and slow start would not count them.
        foreach (var (seconds, inFlight) in new (double, int?)[] { (1.0, null), (2.0, null), (1.0, 1) })
        {
            _time.Advance(TimeSpan.FromMilliseconds(2500));
            RecordWindowEndingNow(shedder, _time, seconds, inFlight);
        }

        Assert.False(shedder.Limit.FindingCapacity);
        Assert.Equal(12, shedder.Limit.Current);
        Assert.Equal(9, Fill(shedder, RequestPriority.Default, 9));

        // Nothing completed yet: the pace is the floor, 12 / 1 s, so the 1 s wait holds 12 slots, 0.8 x 12 = 9.6 of
        // them for default waiters: the 10th is refused on arrival.
        var waiters = Enumerable.Range(0, 9).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        var tenth = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
        Assert.True(tenth.IsCompleted, "the 10th refused on arrival");
        Assert.Equal(SheddingReasons.Backlog, tenth.Result);

        // The sweeps keep them all: at 100 ms, max(1 completion over 100 ms, 12) = 12 a second, 2 x 12 x 0.9 = 21.6
        // reached; at 200 ms 2 in 100 ms, 20 a second, 32; at 650 ms 3 in 550 ms is 5.5 a second, so the floor's 12,
        // 2 x 12 x 0.35 = 8.4 for the 6 left.
        foreach (var milliseconds in new[] { 100, 100, 450 })
        {
            _time.Advance(TimeSpan.FromMilliseconds(milliseconds));
            shedder.Exit();
        }

        Assert.All(waiters.Take(3), w => Assert.Null(w.Result));
        Assert.All(waiters.Skip(3), w => Assert.False(w.IsCompleted));
        Assert.Equal(6, shedder.Queued);
        return (shedder, waiters);
    }

    /// <summary>
    /// A window at twice the no-load latency: the limit of 12 falls to 12 x 0.5 + 3.5 = 9 (default share 7), and the
    /// floor of the pace to 9 / 2 s = 4.5 a second.
    /// </summary>
    private void FallToNine(ClusterShedder shedder)
    {
        RecordWindowEndingNow(shedder, _time, 2.0);
        Assert.Equal(9, shedder.Limit.Current);
    }

    [Fact]
    public void EnterAsync_LimitHolds_NewcomerThePaceReachesQueues()
    {
        var (shedder, _) = QueueServedUnderALimitOfTwelve();

        // 6 ahead, and 12 a second (the floor; 3 completions in 550 ms are 5.5) for 1 s: 7th of 12 slots and of the
        // default share's 9.6, so it queues.
        var joined = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        Assert.False(joined.IsCompleted);
        Assert.Equal(7, shedder.Queued);
    }

    [Fact]
    public async Task EnterAsync_LimitFellSinceThePaceWasMeasured_SameNewcomerRefusedOnArrival()
    {
        var (shedder, _) = QueueServedUnderALimitOfTwelve();

        // Under 9 at 2 s the floor is 4.5 a second, and the 5.5 completed a second under a limit of about 12 scale to
        // 5.5 x 9 / 12 = 4.1: 4.5 slots within the wait, and the same newcomer would be 7th.
        FallToNine(shedder);
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
        Assert.Equal(6, shedder.Queued);
    }

    [Fact]
    public async Task Exit_LimitFalls_WaitersTheFallenPaceWillNotReachRefusedAtOnce()
    {
        var (shedder, waiters) = QueueServedUnderALimitOfTwelve();

        // 6 wait with 350 ms left: at twice 12 a second (8.4) all are reached, so the sweep kept them.
        // The limit falls to 9; the next release, at the same moment, frees no slot for them (8 in flight over a share
        // of 7, and none due within CriticalQueueTimeout) but sweeps at once, without waiting for the sweep interval:
        // 4 completions in 550 ms, 7.3 a second counted under a limit of 12, are 7.3 x 9 / 12 = 5.5 under 9 (more than
        // the floor's 4.5), and at twice that, 2 x 5.5 x 0.35 = 3.8 of them are reached: waiters 6 to 8 hear it now,
        // not at their QueueTimeout. (Unscaled, 7.3 a second would keep all but the last.)
        FallToNine(shedder);
        shedder.Exit();
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(6));
        Assert.All(waiters.Skip(3).Take(3), w => Assert.False(w.IsCompleted));
        Assert.Equal(3, shedder.Queued);
    }
}
