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

    /// <summary>A limit of 10 held by critical requests after a window of 100 ms requests: default slots free at 80 a second.</summary>
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
        // 80 a second: within 1 s less twice the 100 ms latency, less a tenth for the pace to slip (0.72 s), 58 of
        // them. Without the deadlines 160 would be let into the 2 s queue, and the last hundred served after their
        // clients had gone.
        var shedder = FullAtTenAfterHundredMillisecondRequests();
        var waiting = Enter(shedder, 58, s_oneSecond);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, s_oneSecond, CancellationToken.None));

        // A request that names no deadline, or a longer one, is judged by its own: the queue's 2 s.
        Assert.False(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask().IsCompleted);
        Assert.False(shedder.EnterAsync(RequestPriority.Default, TimeSpan.FromSeconds(5), CancellationToken.None).AsTask().IsCompleted);
        Assert.Equal(60, shedder.Queued);
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
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            shedder.Exit();
        }

        // 300 ms in, 3 served at 10 a second: even at twice that pace those after the 17th are not reached within
        // their clients' second (the queue's own 2 s would have kept them all), and hear so now.
        Assert.All(waiters.Take(3), w => Assert.Null(w.Result));
        foreach (var refused in waiters.Skip(17))
        {
            Assert.Equal(SheddingReasons.Backlog, await refused.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
        }

        Assert.All(waiters.Skip(3).Take(14), w => Assert.False(w.IsCompleted));

        // The one without a deadline moved up to 15th, reached well within its 2 s.
        Assert.False(patient.IsCompleted);
        Assert.Equal(15, shedder.Queued);
    }
}
