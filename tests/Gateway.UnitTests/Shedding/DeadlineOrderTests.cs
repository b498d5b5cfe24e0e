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

    /// <summary>Default requests let into the queue one after another until one is refused on arrival.</summary>
    private static int DefaultsLetIn(ClusterShedder shedder)
    {
        for (var letIn = 0; ; letIn++)
        {
            var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None).AsTask();
            if (entering.IsCompleted)
            {
                Assert.Equal(SheddingReasons.Backlog, entering.Result);
                return letIn;
            }
        }
    }

    [Fact]
    public async Task Default_CriticalCallsComingAtNearlyTheClustersWholePace_LeaveFewDefaultRequestsAPlace()
    {
        // Without critical calls coming: nothing completed yet, so slots free at the floor, 10 / 0.1 s = 100 a second,
        // 200 within the 2 s wait, and 0.8 x 200 = 160 of them for default waiters: 160 are let in.
        var calm = FullShedderAtTen.Create(new FakeTimeProvider(_time.GetUtcNow()));
        var letInCalm = DefaultsLetIn(calm);
        Assert.InRange(letInCalm, 150, 160);

        var shedder = FullShedderAtTen.Create(_time);
        var first = Enter(shedder, RequestPriority.Default);
        Assert.False(first.IsCompleted);

        // A second later critical calls come at 200 a second (two every 10 ms for a quarter of a second, each let in
        // through the queue as the slots they wait for free, ahead of the default waiter due 2 s after it came), and
        // the cluster completes as many: that is its whole pace. Critical admissions cannot outrun completions for
        // long; here they nearly match them.
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

        // The pace: 50 completions in the 240 ms since the first, 208.3 a second, 416.7 slots within a newcomer's 2 s.
        // The critical calls: the first one's enqueue rolled their count to the second it came in (it went to the
        // second before), and 49 came in the quarter second since, 196 a second: 392 of those slots go to critical
        // calls still to come, ahead of it. A newcomer with n default waiters ahead fits while n + 1 + 392 <= 416.7,
        // so n <= 23: with the first waiter ahead, 23 more are let in where 160 fit without the critical calls. Every
        // slot the critical calls will take is one a default waiter would have waited for only to be refused.
        var letInAfterStorm = DefaultsLetIn(shedder);
        Assert.InRange(letInAfterStorm, 15, 35);
        Assert.True(letInAfterStorm * 4 < letInCalm, $"{letInAfterStorm} default requests let in after the critical calls, {letInCalm} without");
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
