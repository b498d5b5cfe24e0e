using Gateway.Shedding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>
/// <see cref="ClusterShedder"/> under a storm of critical calls: a critical request waits no longer than
/// CriticalQueueTimeout, and while the critical queue stands the lower priorities, whose slots it takes, are refused.
/// </summary>
public sealed class CriticalQueueTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary><see cref="FullShedderAtTen"/>, with critical requests waiting <paramref name="criticalQueueTimeout"/> if given.</summary>
    private ClusterShedder Shedder(TimeSpan? criticalQueueTimeout = null) =>
        FullShedderAtTen.Create(_time, criticalQueueTimeout is { } wait ? o => o with { CriticalQueueTimeout = wait } : null);

    private static Task<string?> Enter(ClusterShedder shedder, RequestPriority priority) =>
        shedder.EnterAsync(priority, CancellationToken.None).AsTask();

    private void Advance(int milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    [Fact]
    public async Task Critical_NoSlotWithinCriticalQueueTimeout_RefusedAfterIt_WhileDefaultKeepsTheQueuesWait()
    {
        var shedder = Shedder();
        var waitingDefault = Enter(shedder, RequestPriority.Default);
        var critical = Enter(shedder, RequestPriority.Critical);

        Advance(49);
        Assert.False(critical.IsCompleted);
        Advance(1);

        Assert.Equal(SheddingReasons.QueueTimeout, await critical);
        Advance(1900);
        Assert.False(waitingDefault.IsCompleted);
        Advance(50);
        Assert.Equal(SheddingReasons.QueueTimeout, await waitingDefault);
    }

    [Fact]
    public async Task Critical_SlotFreesWithinCriticalQueueTimeout_AdmittedAheadOfOlderDefaultWaiters()
    {
        var shedder = Shedder();
        var olderDefault = Enter(shedder, RequestPriority.Default);
        var critical = Enter(shedder, RequestPriority.Critical);

        Advance(40);
        shedder.Exit();

        Assert.Null(await critical);
        Assert.False(olderDefault.IsCompleted);
    }

    [Fact]
    public async Task CriticalQueueTimeoutZero_CriticalWithNoSlot_RefusedAtOnce()
    {
        var shedder = Shedder(TimeSpan.Zero);

        var critical = shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None);

        Assert.True(critical.IsCompleted);
        Assert.Equal(SheddingReasons.QueueFull, await critical);
    }

    [Fact]
    public async Task Default_WhileCriticalQueueStands_RefusedOnArrivalAsBacklog_NotBeforeItStands()
    {
        var shedder = Shedder(TimeSpan.FromSeconds(1));
        var critical = Enter(shedder, RequestPriority.Critical);

        // 50 ms in, the critical queue is a burst, not yet standing: a default request may wait behind it.
        Advance(50);
        var earlyDefault = Enter(shedder, RequestPriority.Default);
        Assert.False(earlyDefault.IsCompleted);

        // At StandingQueueInterval (100 ms) without emptying it stands: every slot that frees goes to it first.
        Advance(50);
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
        Assert.False(critical.IsCompleted);
    }

    [Fact]
    public async Task DefaultWaiters_CriticalQueueStartsStanding_RefusedAtTheNextSweep_CriticalServedFirst()
    {
        var shedder = Shedder(TimeSpan.FromSeconds(1));
        var defaults = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        var critical = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Critical)).ToList();

        Advance(99);
        shedder.Exit();
        Assert.Null(await critical[0]);
        Assert.All(defaults, d => Assert.False(d.IsCompleted));

        // The critical queue has now held waiters for 100 ms: the next grant's sweep refuses the default waiters.
        Advance(11);
        shedder.Exit();

        Assert.Null(await critical[1]);
        foreach (var waiter in defaults)
        {
            Assert.Equal(SheddingReasons.Backlog, await waiter);
        }

        Assert.False(critical[2].IsCompleted);
        Assert.Equal(1, shedder.Queued);
    }

    [Fact]
    public async Task DefaultWaitersRefusedAfterWaiting_OneDebugEventSaysHowManyAndWhy()
    {
        var logger = new FakeLogger<ClusterShedder>();
        var shedder = FullShedderAtTen.Create(_time, o => o with { CriticalQueueTimeout = TimeSpan.FromSeconds(1) }, logger);
        var defaults = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        var critical = Enumerable.Range(0, 2).Select(_ => Enter(shedder, RequestPriority.Critical)).ToList();

        Advance(110);
        shedder.Exit();
        foreach (var waiter in defaults)
        {
            Assert.Equal(SheddingReasons.Backlog, await waiter);
        }

        var refused = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 6006);
        Assert.Equal(LogLevel.Debug, refused.Level);
        Assert.Contains("3 default waiters refused after waiting up to 110 ms, a higher priority's queue stands", refused.Message, StringComparison.Ordinal);
        Assert.Null(await critical[0]);
    }

    [Fact]
    public async Task Default_WithinTheCalmAfterTheCriticalQueueStood_RefusedOnArrival_QueuesOnceItEnds()
    {
        var shedder = Shedder(TimeSpan.FromSeconds(1));
        var critical = Enter(shedder, RequestPriority.Critical);
        Advance(100);
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));

        // The critical queue empties: the next burst may stand again in 100 ms, so default requests are still refused.
        shedder.Exit();
        Assert.Null(await critical);
        Advance(200);
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));

        // 250 ms after it was last seen standing, a default request queues again.
        Advance(50);
        var queued = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        Assert.False(queued.IsCompleted);
    }

    [Fact]
    public async Task Critical_QueueWouldNotReachItWithinHalfItsWait_RefusedOnArrivalAsBacklog()
    {
        // Slots free at 10 / 0.1 s = 100 a second: 2.5 within half of the 50 ms critical wait.
        var shedder = Shedder();
        var waiting = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Critical)).ToList();

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None));
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        Assert.Equal(3, shedder.Queued);
    }

    private static async Task AssertRefusedOnArrivalAsync(ValueTask<string?> entering)
    {
        Assert.True(entering.IsCompleted, "refused on arrival, not after waiting");
        Assert.Equal(SheddingReasons.Backlog, await entering);
    }
}
