using Gateway.Shedding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>
/// <see cref="ClusterShedder"/> under a storm of critical calls: a critical request waits no longer than
/// CriticalQueueTimeout, and default waiters let in before the critical queue stood are still served by their deadline.
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
    public async Task DefaultWaiters_CriticalQueueStands_NotRefusedForIt_CriticalServedFirst()
    {
        var shedder = Shedder(TimeSpan.FromSeconds(1));
        var defaults = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        var critical = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Critical)).ToList();

        // The critical queue has held waiters for 110 ms, past StandingQueueInterval: its waiters are due sooner (1 s)
        // than the default ones (2 s), so they go first, and the default waiters keep their place. The rule that
        // refused them here refused a storm's default waiters after up to 0.25 s in the queue (storm 115231).
        Advance(110);
        shedder.Exit();
        Assert.Null(await critical[0]);
        shedder.Exit();
        Assert.Null(await critical[1]);
        Assert.All(defaults, d => Assert.False(d.IsCompleted));
        Assert.False(critical[2].IsCompleted);
        Assert.Equal(4, shedder.Queued);

        // A default request arriving now still queues: the cluster's 100 a second reach it well within its 2 s.
        var later = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        Assert.False(later.IsCompleted);
    }

    [Fact]
    public async Task WaitersTheClustersPaceWillNotReach_RefusedBySweep_OneDebugEventSaysHowManyAndWhy()
    {
        var logger = new FakeLogger<ClusterShedder>();
        var shedder = FullShedderAtTen.Create(_time, logger: logger);

        // 150 default waiters: slots free at 100 a second, 160 within the 2 s default share's reach.
        var defaults = Enumerable.Range(0, 150).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        Assert.All(defaults, d => Assert.False(d.IsCompleted));

        // Nothing completes for 1.9 s. With 100 ms left, even twice the pace reaches 20 of them: the next release's
        // sweep refuses the other 130 now rather than at the end of their wait.
        Advance(1900);
        shedder.Exit();
        foreach (var waiter in defaults.Skip(20))
        {
            Assert.Equal(SheddingReasons.Backlog, await waiter);
        }

        Assert.All(defaults.Take(20), d => Assert.False(d.IsCompleted));
        var refused = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 6006);
        Assert.Equal(LogLevel.Debug, refused.Level);
        Assert.Contains(
            "130 default waiters refused after waiting up to 1900 ms, the cluster's pace (100/s) would not reach them by their deadline",
            refused.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Critical_QueueWouldNotReachItWithinHalfItsWait_RefusedOnArrivalAsBacklog()
    {
        // Slots free at 10 / 0.1 s = 100 a second (nothing completed yet): 2.5 within half of the 50 ms critical wait.
        // Two critical waiters are 1st and 2nd; a third would be 3rd, past 2.5.
        var shedder = Shedder();
        var waiting = Enumerable.Range(0, 2).Select(_ => Enter(shedder, RequestPriority.Critical)).ToList();

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None));
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        Assert.Equal(2, shedder.Queued);
    }

    private static async Task AssertRefusedOnArrivalAsync(ValueTask<string?> entering)
    {
        Assert.True(entering.IsCompleted, "refused on arrival, not after waiting");
        Assert.Equal(SheddingReasons.Backlog, await entering);
    }
}
