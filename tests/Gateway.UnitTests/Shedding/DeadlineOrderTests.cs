using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>
/// <see cref="ClusterShedder"/>'s queue grants critical and default waiters earliest deadline first, and lets in only
/// those that order serves by their deadline at the cluster's pace: a waiter let in is served, not refused after waiting.
/// </summary>
public sealed class DeadlineOrderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static Task<string?> Enter(ClusterShedder shedder, RequestPriority priority) =>
        shedder.EnterAsync(priority, CancellationToken.None).AsTask();

    private void Advance(int milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    private static async Task AssertRefusedOnArrivalAsync(ValueTask<string?> entering)
    {
        Assert.True(entering.IsCompleted, "refused on arrival, not after waiting");
        Assert.Equal(SheddingReasons.Backlog, await entering);
    }

    [Fact]
    public async Task DefaultWaiterDueBeforeACriticalWaiter_IsGrantedFirst_EvenOverItsShare()
    {
        // Limit 10 held by critical calls; a default waiter's deadline is 2 s after it came, a critical one's 50 ms.
        var shedder = FullShedderAtTen.Create(_time);
        var standard = Enter(shedder, RequestPriority.Default);
        Advance(1960);
        var critical = Enter(shedder, RequestPriority.Critical);

        // The default waiter is due in 40 ms, the critical one in 50: the slot goes to the default one, although the
        // ten in flight are over the default share (8).
        shedder.Exit();
        Assert.Null(await standard);
        Assert.False(critical.IsCompleted);

        shedder.Exit();
        Assert.Null(await critical);
    }

    [Fact]
    public async Task DefaultWaitersWhileTheCriticalQueueStands_KeepTheirPlace_AndAreServedByTheirDeadline()
    {
        // Critical waiters wait up to 1 s here, so their queue stands from 100 ms on.
        var shedder = FullShedderAtTen.Create(_time, o => o with { CriticalQueueTimeout = TimeSpan.FromSeconds(1) });
        var defaults = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        var critical = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Critical)).ToList();

        // 110 ms in the critical queue has stood 10 ms; the default waiters, due at 2 s, are not refused for it.
        Advance(110);
        shedder.Exit();
        Assert.Null(await critical[0]);
        Assert.All(defaults, d => Assert.False(d.IsCompleted));

        shedder.Exit();
        shedder.Exit();
        Assert.Null(await critical[1]);
        Assert.Null(await critical[2]);

        // The critical queue is empty. The default waiters are not due yet, so they take slots within their share (8 of
        // the 10 in flight): none for two more releases, then one each, oldest first.
        shedder.Exit();
        shedder.Exit();
        Assert.All(defaults, d => Assert.False(d.IsCompleted));
        for (var i = 0; i < 3; i++)
        {
            Advance(10);
            shedder.Exit();
            Assert.Null(await defaults[i]);
        }
    }

    [Fact]
    public async Task Default_CriticalCallsComingAtTheClustersWholePace_RefusedOnArrival()
    {
        // Slots free at 10 / 0.1 s = 100 a second. With no critical calls coming, a default request queues.
        var shedder = FullShedderAtTen.Create(_time);
        var first = Enter(shedder, RequestPriority.Default);
        Assert.False(first.IsCompleted);

        // Critical calls come at 200 a second (two every 10 ms for a quarter of a second, each let in through the
        // queue as slots free), more than the slots that free: every slot of the next default waiter's 2 s goes to
        // them first, so it would wait only to be refused.
        Advance(1000);
        for (var i = 0; i < 25; i++)
        {
            var critical = new[] { Enter(shedder, RequestPriority.Critical), Enter(shedder, RequestPriority.Critical) };
            Advance(10);
            shedder.Exit();
            shedder.Exit();
            Assert.Null(await critical[0]);
            Assert.Null(await critical[1]);
        }

        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Default, CancellationToken.None));
        Assert.False(first.IsCompleted);
    }

    [Fact]
    public async Task Critical_DefaultWaitersDueBeforeItsDeadline_CountAheadOfIt()
    {
        // 100 slots a second, and half of the 50 ms critical wait to reach it in: 2.5 slots.
        var shedder = FullShedderAtTen.Create(_time);
        var due = Enumerable.Range(0, 3).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        Advance(1960);

        // Three default waiters are due before a critical call arriving now would be: it would be fourth.
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None));

        // One of them served, and two due: third, still more than 2.5. One more served: second, let in.
        shedder.Exit();
        Assert.Null(await due[0]);
        await AssertRefusedOnArrivalAsync(shedder.EnterAsync(RequestPriority.Critical, CancellationToken.None));
        shedder.Exit();
        Assert.Null(await due[1]);
        var critical = Enter(shedder, RequestPriority.Critical);
        Assert.False(critical.IsCompleted);

        // In deadline order: the last default waiter, then the critical one.
        shedder.Exit();
        Assert.Null(await due[2]);
        shedder.Exit();
        Assert.Null(await critical);
    }
}
