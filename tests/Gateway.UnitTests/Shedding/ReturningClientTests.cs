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

    private static Task<string?> Enter(ClusterShedder shedder, RequestPriority priority, bool returning = false) =>
        shedder.EnterAsync(priority, Timeout.InfiniteTimeSpan, returning, CancellationToken.None).AsTask();

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

        var returning = Enter(shedder, RequestPriority.Critical, returning: true);

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

        var returning = Enter(shedder, RequestPriority.Critical, returning: true);

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

        var returning = Enter(shedder, RequestPriority.Critical, returning: true);
        var secondReturning = Enter(shedder, RequestPriority.Critical, returning: true);

        Assert.Equal(SheddingReasons.Backlog, await newest.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
        Assert.Equal(SheddingReasons.Backlog, await secondReturning.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System));
        Assert.False(first.IsCompleted);
        Assert.False(returning.IsCompleted);
    }
}
