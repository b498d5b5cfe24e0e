using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Shedding;

/// <summary>The queue holds a request up to PacedQueueTimeout unless the cluster's clients retry refusals at once.</summary>
public sealed class QueueWaitByRetryHabitTests
{
    private static readonly RouteModel s_route = new(new RouteConfig { RouteId = "state" }, cluster: null, HttpTransformer.Empty);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A limit fixed at 2, both slots taken: whoever comes next must wait, and nothing frees a slot.</summary>
    private ClusterShedder Full()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 2, MaxLimit = 2, InitialLimit = 2, CriticalReservedFraction = 0, QueueTimeout = TimeSpan.FromSeconds(2), PacedQueueTimeout = TimeSpan.FromMilliseconds(500) },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        return shedder;
    }

    /// <summary>As <see cref="SeeRetriesAtOnceWithin50Ms"/>, then a whole habit bucket later: the judgement stands.</summary>
    private void SeeClientsRetryAtOnce(ClusterShedder shedder)
    {
        SeeRetriesAtOnceWithin50Ms(shedder);
        _time.Advance(SheddingConstants.RetryHabitBucket);
        shedder.Habit.Arrived("next", s_route, _time.GetTimestamp());
        Assert.True(shedder.Habit.RetriesAtOnce(_time.GetTimestamp()));
    }

    /// <summary>
    /// A limit fixed at 1 and held, 2 s QueueTimeout, 500 ms PacedQueueTimeout, and <paramref name="waiting"/> default
    /// waiters queued at once; the test frees a slot every 100 ms, so the queue is served at 10 a second.
    /// </summary>
    private (ClusterShedder Shedder, List<Task<string?>> Waiters) HeldAtOne(int waiting, Action<ClusterShedder>? before = null)
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 1, MaxLimit = 1, InitialLimit = 1, CriticalReservedFraction = 0, QueueLimit = 100, QueueTimeout = TimeSpan.FromSeconds(2), PacedQueueTimeout = TimeSpan.FromMilliseconds(500) },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        before?.Invoke(shedder);
        var waiters = Enumerable.Range(0, waiting).Select(_ => shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask()).ToList();
        return (shedder, waiters);
    }

    /// <summary>A storm's worth of refused connections ask again 50 ms later: the clients retry at once, judged on the spot.</summary>
    private void SeeRetriesAtOnceWithin50Ms(ClusterShedder shedder)
    {
        for (var i = 0; i < SheddingConstants.MinRefusalsToJudgeHabit; i++)
        {
            shedder.Habit.Refused($"early{i}", s_route, _time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromMilliseconds(50));
        for (var i = 0; i < SheddingConstants.MinRefusalsToJudgeHabit; i++)
        {
            shedder.Habit.Arrived($"early{i}", s_route, _time.GetTimestamp());
        }

        Assert.True(shedder.Habit.RetriesAtOnce(_time.GetTimestamp()));
    }

    /// <summary>A storm's bucket of refusals that nobody retries early: the clients wait out Retry-After.</summary>
    private void SeeClientsWaitOutRetryAfter(ClusterShedder shedder)
    {
        for (var i = 0; i < SheddingConstants.MinRefusalsToJudgeHabit; i++)
        {
            shedder.Habit.Refused($"paced{i}", s_route, _time.GetTimestamp());
        }

        _time.Advance(SheddingConstants.RetryHabitBucket);
        shedder.Habit.Arrived("someone", s_route, _time.GetTimestamp());
        Assert.True(shedder.Habit.WaitsOutRetryAfter(_time.GetTimestamp()));
    }

    private static async Task AssertRefusedAsBacklogWithoutWaitingAsync(IEnumerable<Task<string?>> waiters)
    {
        foreach (var waiter in waiters)
        {
            Assert.Equal(SheddingReasons.Backlog, await waiter.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
        }
    }

    [Fact]
    public async Task WaitShortensWhileQueued_WaitersKeepTheWaitTheyWereAdmittedUnder()
    {
        // Admitted under the 2 s wait of clients that retry at once, 12 waiters; 7 served in 700 ms.
        var (shedder, waiters) = HeldAtOne(12, SeeClientsRetryAtOnce);
        for (var i = 0; i < 7; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(7), w => Assert.Null(w.Result));

        // The clients turn out to wait out Retry-After (storm 054143: the warm-up's clients had been judged naive):
        // the queue's wait is 500 ms from now on. The 5 left have waited 950 ms, and the queue reaches all of them
        // within the 2 s they were let in on; refused on the new wait, they were a batch of late refusals.
        SeeClientsWaitOutRetryAfter(shedder);
        shedder.Exit();
        Assert.Null(await waiters[7]);
        Assert.All(waiters.Skip(8), w => Assert.False(w.IsCompleted));

        // A newcomer is judged on the new wait: 4 ahead at 8 a second do not drain within 400 ms (500 ms less its slip).
        var late = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        Assert.True(late.IsCompleted, "refused on arrival");
        Assert.Equal(SheddingReasons.Backlog, await late);

        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Skip(8), w => Assert.Null(w.Result));
    }

    [Fact]
    public async Task WaitLengthensWhileQueued_WaitersTheirOwnWaitWillNotReachHearNow()
    {
        // Admitted under the paced 500 ms wait (no refusals yet), 12 waiters; the clients are then seen retrying at
        // once, which lengthens the wait for newcomers only: those queued still time out at 500 ms.
        var (shedder, waiters) = HeldAtOne(12);
        SeeRetriesAtOnceWithin50Ms(shedder);

        // 110 ms in, the first completion: counted over no less than 100 ms, 10 a second (no latency is known). With
        // 390 ms left of the 500 ms they were let in on, even twice that reaches 2 x 10 x 0.39 = 7.8 of the 11 left:
        // waiters 8 to 11 hear now, not from their timers at 500 ms as queue_timeout (judged on the 2 s wait, with
        // 1.89 s left, 37.8 would be reached: nobody would be refused).
        _time.Advance(TimeSpan.FromMilliseconds(60));
        shedder.Exit();
        Assert.Null(await waiters[0]);
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(8));
        Assert.All(waiters.Skip(1).Take(7), w => Assert.False(w.IsCompleted));

        // Then n completions over (n - 1) x 100 ms: at 210 ms 20 a second, 2 x 20 x 0.29 = 11.6 for 6 left; at 310 ms
        // 15, 5.7 for 5; at 410 ms 13.3, 2 x 13.3 x 0.09 = 2.4 for 4: waiters 6 and 7 hear now, 4 and 5 keep waiting.
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(4), w => Assert.Null(w.Result));
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(6).Take(2));
        Assert.All(waiters.Skip(4).Take(2), w => Assert.False(w.IsCompleted));
    }

    [Fact]
    public async Task ClientsThatWaitOutRetryAfter_TheSweepRefusesOnlyWhomTheQueueWillNotReachWithinTheOverrun()
    {
        // Paced clients: 16 waiters let in on the 500 ms wait, each held 750 ms with its overrun.
        var (shedder, waiters) = HeldAtOne(16, SeeClientsWaitOutRetryAfter);

        // 110 ms in, the first completion, 10 a second: with 640 ms left of the 750 ms, even twice that reaches
        // 2 x 10 x 0.64 = 12.8 of the 15 left: waiters 13 to 15 hear now (judged by the 500 ms alone, 7.8: 8 to 15).
        _time.Advance(TimeSpan.FromMilliseconds(110));
        shedder.Exit();
        Assert.Null(await waiters[0]);
        await AssertRefusedAsBacklogWithoutWaitingAsync(waiters.Skip(13));
        Assert.All(waiters.Skip(1).Take(12), w => Assert.False(w.IsCompleted));

        // At 210 ms 20 a second, 2 x 20 x 0.54 = 21.6 for 11 left; at 310 ms 15, 2 x 15 x 0.44 = 13.2 for 10: all kept.
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(3), w => Assert.Null(w.Result));
        Assert.All(waiters.Skip(3).Take(10), w => Assert.False(w.IsCompleted));
    }

    [Fact]
    public async Task BeforeRefusalsSayHowClientsRetry_AWaiterWaitsThePacedQueueTimeout()
    {
        var shedder = Full();

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(entering.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(SheddingReasons.QueueTimeout, await entering);
    }

    [Fact]
    public async Task ClientsThatWaitOutRetryAfter_ADefaultWaiterWaitsThePacedQueueTimeoutAndItsOverrun()
    {
        var shedder = Full();
        SeeClientsWaitOutRetryAfter(shedder);

        // 500 ms, and half as much again for what admission could not foresee (PacedQueueOverrun).
        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(749));
        Assert.False(entering.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(SheddingReasons.QueueTimeout, await entering);
    }

    [Fact]
    public async Task ADefaultWaiterPastThePacedWait_IsServedWhenASlotFreesWithinItsOverrun()
    {
        // Let in on the paced 500 ms; the slot it was promised went elsewhere (critical calls in a batch, say).
        var shedder = Full();
        SeeClientsWaitOutRetryAfter(shedder);
        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.False(entering.IsCompleted);

        // Served a little late rather than refused after half a second.
        shedder.Exit();
        Assert.Null(await entering);
    }

    [Fact]
    public async Task ClientsThatRetryAtOnce_WaitTheWholeQueueTimeoutAndNoMore()
    {
        var shedder = Full();
        SeeClientsRetryAtOnce(shedder);

        // The overrun is the paced wait's only: QueueTimeout is already as long as the queue holds anyone.
        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(2000));

        // Its continuation runs on the pool: a bounded wait, so that a waiter still held fails the test, not hangs it.
        Assert.Equal(SheddingReasons.QueueTimeout, await entering.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
    }

    [Fact]
    public async Task ClientsThatRetryAtOnce_WaitTheWholeQueueTimeout()
    {
        var shedder = Full();
        SeeClientsRetryAtOnce(shedder);

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(entering.IsCompleted);

        // A slot frees before the two seconds are up: the waiter gets it.
        shedder.Exit();
        Assert.Null(await entering);
    }

    [Fact]
    public async Task PacedQueueTimeoutAboveQueueTimeout_QueueTimeoutStillBounds()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 1, MaxLimit = 1, InitialLimit = 1, CriticalReservedFraction = 0, QueueTimeout = TimeSpan.FromMilliseconds(100), PacedQueueTimeout = TimeSpan.FromSeconds(1) },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(SheddingReasons.QueueTimeout, await entering);
    }

    [Fact]
    public async Task PacedQueueTimeoutZero_ClientsThatWaitOutRetryAfterAreNotQueued()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 1, MaxLimit = 1, InitialLimit = 1, CriticalReservedFraction = 0, PacedQueueTimeout = TimeSpan.Zero },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);

        Assert.True(entering.IsCompleted);
        Assert.Equal(SheddingReasons.QueueFull, await entering);
    }
}
