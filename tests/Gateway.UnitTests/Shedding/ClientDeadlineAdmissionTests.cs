using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>
/// Admission of requests that carry their client's deadline (<see cref="ClientDeadline"/>): each is held no longer
/// than that deadline less twice the backend's latency, whatever the queue's own wait, and others are not affected.
/// </summary>
public sealed class ClientDeadlineAdmissionTests
{
    private static readonly TimeSpan s_oneSecond = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private ClusterShedder Shedder(int limit) => new(
        "api",
        new SheddingOptions { Enabled = true, MinLimit = limit, MaxLimit = limit, InitialLimit = limit, QueueLimit = 1000, QueueTimeout = TimeSpan.FromSeconds(2), PacedQueueTimeout = TimeSpan.FromSeconds(2) },
        _time);

    /// <summary>A limit of 10 held by critical requests after a window of 100 ms requests: the cluster's pace is at least 10 / 0.1 s = 100 a second.</summary>
    private ClusterShedder FullAtTenAfterHundredMillisecondRequests() => FullShedderAtTen.Create(_time);

    private static List<Task<string?>> Enter(ClusterShedder shedder, int count, TimeSpan budget) =>
        [.. Enumerable.Range(0, count).Select(_ => shedder.EnterAsync(RequestPriority.Default, budget, CancellationToken.None).AsTask())];

    private static async Task AssertRefusedOnArrivalAsync(ValueTask<string?> entering)
    {
        Assert.True(entering.IsCompleted, "refused on arrival, not after waiting");
        Assert.Equal(SheddingReasons.Backlog, await entering);
    }

    [Fact]
    public async Task EnterAsync_QueueNotReachedBeforeTheClientsDeadline_RefusedOnArrival_OthersStillQueue()
    {
        // Nothing completed yet: the pace is limit / latency, 100 a second. Within 1 s less twice the 100 ms latency,
        // less a tenth for the pace to slip (0.72 s), 72 slots, 0.8 x 72 = 57.6 of them for default waiters: 57 wait,
        // the 58th is refused. Without the deadlines 160 would be let into the 2 s queue, and the last hundred served
        // after their clients had gone.
        var shedder = FullAtTenAfterHundredMillisecondRequests();
        var waiting = Enter(shedder, 57, s_oneSecond);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, s_oneSecond, CancellationToken.None));

        // A request that names no deadline, or a longer one, is judged by its own: the queue's 2 s, 200 slots, 160 of
        // them for default waiters.
        Assert.False(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask().IsCompleted);
        Assert.False(shedder.EnterAsync(RequestPriority.Default, TimeSpan.FromSeconds(5), CancellationToken.None).AsTask().IsCompleted);
        Assert.Equal(59, shedder.Queued);
    }

    [Fact]
    public async Task EnterAsync_DeadlineWithinTheBackendsAnswerTime_RefusedOnArrivalEvenWithNobodyAhead()
    {
        // Twice the 100 ms latency is more than the 150 ms the client has left: granted at once, it would still be
        // answered too late.
        var shedder = FullAtTenAfterHundredMillisecondRequests();

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, TimeSpan.FromMilliseconds(150), CancellationToken.None));
        Assert.Equal(0, shedder.Queued);
    }

    [Fact]
    public async Task EnterAsync_NoPaceToJudgeBy_TheWaitEndsAtTheClientsDeadline_NotAtQueueTimeout()
    {
        // No latency measured, no queue pace yet: nothing to refuse it on arrival by. Its client's 300 ms still end
        // the wait, with a 503 its client hears, not the queue's 2 s after it has gone.
        var shedder = Shedder(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var waiting = shedder.EnterAsync(RequestPriority.Default, TimeSpan.FromMilliseconds(300), CancellationToken.None).AsTask();
        var patient = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromMilliseconds(299));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(SheddingReasons.QueueTimeout, await waiting);
        Assert.False(patient.IsCompleted);

        // The slot it would have taken goes to the next in line.
        shedder.Exit();
        Assert.Null(await patient);
    }

    [Fact]
    public async Task Exit_QueueServedTooSlowlyForTheClientsDeadline_SweepRefusesThoseItWillNotReach()
    {
        // A limit of 1, 30 waiters whose clients wait 1 s, then one that names no deadline, in a 2 s queue; a slot
        // frees every 100 ms.
        var shedder = Shedder(1);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        var waiters = Enter(shedder, 30, s_oneSecond);
        var patient = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();

        // 100 ms in, the first completion: counted over no less than 100 ms, 10 a second (no latency is known). Even at
        // twice that, 2 x 10 x 0.9 = 18 of the 29 left are reached within their clients' second: waiters 19 to 29 hear
        // so now (by the queue's own 2 s, 2 x 10 x 1.9 = 38, all would have been kept).
        _time.Advance(TimeSpan.FromMilliseconds(100));
        shedder.Exit();
        Assert.Null(await waiters[0]);
        foreach (var refused in waiters.Skip(19))
        {
            Assert.Equal(SheddingReasons.Backlog, await refused.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
        }

        // 300 ms in, 3 served, 3 completions in 200 ms: 15 a second, 2 x 15 x 0.7 = 21 reach the 16 left.
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        Assert.All(waiters.Take(3), w => Assert.Null(w.Result));
        Assert.All(waiters.Skip(3).Take(16), w => Assert.False(w.IsCompleted));

        // The one without a deadline, due last, moved up to 17th: reached well within its 2 s (2 x 15 x 1.7 = 51).
        Assert.False(patient.IsCompleted);
        Assert.Equal(17, shedder.Queued);
    }
}
