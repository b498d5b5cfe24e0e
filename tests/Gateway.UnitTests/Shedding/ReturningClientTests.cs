using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

/// <summary>
/// A client back from a refusal it waited out takes the place of the newest first attempt when the queue would not reach
/// it, so that a storm does not send the same sessions back again and again.
/// </summary>
public sealed class ReturningClientTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static Task<string?> Enter(ClusterShedder shedder, RequestPriority priority, int refusedBefore = 0) =>
        shedder.EnterAsync(priority, Timeout.InfiniteTimeSpan, refusedBefore, CancellationToken.None).AsTask();

    private void Advance(double milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    [Fact]
    public async Task Returning_QueueWouldNotReachIt_TakesTheNewestFirstAttemptsPlace()
    {
        // FullShedderAtTen: slots free at 100 a second, 2.5 within half the 50 ms critical wait, so two critical
        // waiters fill what the queue reaches in time and a third is refused on arrival.
        var shedder = FullShedderAtTen.Create(_time);
        var first = Enter(shedder, RequestPriority.Critical);
        Advance(0.5);
        var newest = Enter(shedder, RequestPriority.Critical);
        Advance(0.5);

        var returning = Enter(shedder, RequestPriority.Critical, refusedBefore: 1);

        Assert.Equal(SheddingReasons.Backlog, await newest.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
        Assert.False(returning.IsCompleted);
        Assert.False(first.IsCompleted);
        Assert.Equal(2, shedder.Queued);

        // The returning client is served in the place it took.
        shedder.Exit();
        Assert.Null(await first.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
        shedder.Exit();
        Assert.Null(await returning.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
    }

    [Fact]
    public async Task FirstAttempt_QueueWouldNotReachIt_RefusedOnArrival_TheWaitersKeepTheirPlaces()
    {
        var shedder = FullShedderAtTen.Create(_time);
        var waiting = new[] { Enter(shedder, RequestPriority.Critical), Enter(shedder, RequestPriority.Critical) };

        var firstAttempt = Enter(shedder, RequestPriority.Critical);

        Assert.True(firstAttempt.IsCompleted);
        Assert.Equal(SheddingReasons.Backlog, await firstAttempt);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
    }

    [Fact]
    public async Task Returning_NewestWaiterJoinedLongerAgoThanFreshWaiterAge_RefusedOnArrivalInstead()
    {
        // Refusing a waiter that has waited would be a late refusal: the returning client hears no instead.
        var shedder = FullShedderAtTen.Create(_time);
        var waiting = new[] { Enter(shedder, RequestPriority.Critical), Enter(shedder, RequestPriority.Critical) };
        _time.Advance(SheddingConstants.FreshWaiterAge + TimeSpan.FromMilliseconds(1));

        var returning = Enter(shedder, RequestPriority.Critical, refusedBefore: 1);

        Assert.True(returning.IsCompleted);
        Assert.Equal(SheddingReasons.Backlog, await returning);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
    }

    [Fact]
    public async Task Returning_TwoInARow_OnlyOneFirstAttemptGivesWay_AndNeverAnotherReturningClient()
    {
        var shedder = FullShedderAtTen.Create(_time);
        var first = Enter(shedder, RequestPriority.Critical);
        var newest = Enter(shedder, RequestPriority.Critical);

        var returning = Enter(shedder, RequestPriority.Critical, refusedBefore: 1);
        var secondReturning = Enter(shedder, RequestPriority.Critical, refusedBefore: 1);

        Assert.Equal(SheddingReasons.Backlog, await newest.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
        Assert.Equal(SheddingReasons.Backlog, await secondReturning.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
        Assert.False(first.IsCompleted);
        Assert.False(returning.IsCompleted);
    }

    [Fact]
    public async Task DefaultRefusedOftenBefore_QueueWouldNotReachIt_LetInAnyway_SheddableNot()
    {
        // 200 default waiters fill what 100 slots a second reach within the 2 s wait.
        var shedder = FullShedderAtTen.Create(_time);
        var defaults = Enumerable.Range(0, 200).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        var firstAttempt = Enter(shedder, RequestPriority.Default);
        Assert.True(firstAttempt.IsCompleted, "a first attempt is refused on arrival");
        Assert.Equal(SheddingReasons.Backlog, await firstAttempt);

        var refusedOften = Enter(shedder, RequestPriority.Default, refusedBefore: SheddingConstants.RefusalsBeforeAging);
        var sheddable = Enter(shedder, RequestPriority.Sheddable, refusedBefore: SheddingConstants.RefusalsBeforeAging);

        Assert.False(refusedOften.IsCompleted);
        Assert.True(sheddable.IsCompleted, "sheddable requests are never let past the backlog");
        Assert.Equal(SheddingReasons.Backlog, await sheddable);
    }

    [Fact]
    public async Task CriticalRefusedOftenBefore_QueueWouldNotReachIt_LetInAnyway_OthersAreNot()
    {
        // 160 default waiters let in on 100 slots a second and a 2 s wait; half a second later the last of them has 150
        // slots before its deadline: no slack for a critical call to go ahead of it. A release runs the sweep that
        // finds that (its slot, over the default share, goes to no default waiter), and a critical call takes it.
        var shedder = FullShedderAtTen.Create(_time);
        var defaults = Enumerable.Range(0, 160).Select(_ => Enter(shedder, RequestPriority.Default)).ToList();
        Assert.All(defaults, d => Assert.False(d.IsCompleted));
        Advance(500);
        shedder.Exit();
        Assert.True(shedder.TryEnter(RequestPriority.Critical));

        var firstAttempt = Enter(shedder, RequestPriority.Critical);
        var refusedFewer = Enter(shedder, RequestPriority.Critical, refusedBefore: SheddingConstants.RefusalsBeforeAging - 1);
        var refusedOften = Enter(shedder, RequestPriority.Critical, refusedBefore: SheddingConstants.RefusalsBeforeAging);

        Assert.True(firstAttempt.IsCompleted, "a first attempt is refused on arrival");
        Assert.Equal(SheddingReasons.Backlog, await firstAttempt);
        Assert.True(refusedFewer.IsCompleted, "so is a client refused fewer times, with no first attempt to take the place of");
        Assert.Equal(SheddingReasons.Backlog, await refusedFewer);
        Assert.False(refusedOften.IsCompleted);
        Assert.All(defaults, d => Assert.False(d.IsCompleted));

        // It goes ahead of the default waiters, whose deadlines are later.
        shedder.Exit();
        Assert.Null(await refusedOften.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
    }
}
