using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Shedding;

public sealed class RetryHabitTests
{
    private static readonly RouteModel s_state = new(new RouteConfig { RouteId = "state" }, cluster: null, HttpTransformer.Empty);
    private static readonly RouteModel s_heartbeat = new(new RouteConfig { RouteId = "heartbeat" }, cluster: null, HttpTransformer.Empty);

    // Twice the refusals a bucket needs before it judges anything.
    private const int Many = 2 * SheddingConstants.MinRefusalsToJudgeHabit;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private long Now => _time.GetTimestamp();

    private void RefuseAll(RetryHabit habit, int connections, RouteModel route)
    {
        for (var i = 0; i < connections; i++)
        {
            habit.Refused($"c{i}", route, Now);
        }
    }

    private void ArriveAll(RetryHabit habit, int connections, RouteModel route)
    {
        for (var i = 0; i < connections; i++)
        {
            habit.Arrived($"c{i}", route, Now);
        }
    }

    /// <summary>Moves past the judging bucket and lets one more refusal close it.</summary>
    private void CloseBucket(RetryHabit habit)
    {
        _time.Advance(SheddingConstants.RetryHabitBucket);
        habit.Refused("closer", s_state, Now);
    }

    [Fact]
    public void Arrived_SameRouteBackWhenItsRetryAfterWasUp_IsAReturn()
    {
        var habit = new RetryHabit(_time);
        habit.Refused("c1", s_state, Now, retryAfterSeconds: 2);

        _time.Advance(TimeSpan.FromSeconds(2.3));

        Assert.True(habit.Watching);
        Assert.Equal(1, habit.Arrived("c1", s_state, Now));
        Assert.False(habit.Watching);
    }

    [Fact]
    public void Arrived_BackAfterRefusalsInARow_SaysHowMany()
    {
        var habit = new RetryHabit(_time);
        habit.Refused("c1", s_state, Now, retryAfterSeconds: 1, refusals: 3);

        _time.Advance(TimeSpan.FromSeconds(1.2));

        Assert.Equal(3, habit.Arrived("c1", s_state, Now));
    }

    [Fact]
    public void Arrived_RetriedAtOnceAnotherRouteOrPastItsGrace_NotAReturn()
    {
        var habit = new RetryHabit(_time);
        habit.Refused("early", s_state, Now, retryAfterSeconds: 2);
        habit.Refused("other", s_state, Now, retryAfterSeconds: 2);
        habit.Refused("late", s_state, Now, retryAfterSeconds: 2);

        // A naive retry, 50 ms later: counted for the habit, not preferred.
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, habit.Arrived("early", s_state, Now));

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, habit.Arrived("other", s_heartbeat, Now));

        // Past Retry-After and ReturnGraceSeconds: forgotten at the next bucket, and not known as a return before then.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, habit.Arrived("late", s_state, Now));
    }

    [Fact]
    public void Refused_MarkOutlivesTheEarlyWindowUntilItsRetryAfterAndGrace_ThenForgotten()
    {
        var habit = new RetryHabit(_time);
        habit.Refused("c1", s_state, Now, retryAfterSeconds: 3);

        // Another connection's request rolls the bucket, which forgets the marks that are done.
        _time.Advance(TimeSpan.FromSeconds(2));
        habit.Arrived("other", s_state, Now);
        Assert.True(habit.Watching);

        _time.Advance(TimeSpan.FromSeconds(2.1));
        habit.Arrived("other", s_state, Now);
        Assert.False(habit.Watching);
    }

    [Fact]
    public void RefusalsRetriedOnTheSameConnectionWithin50ms_ClientsRetryAtOnce()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_state);
        Assert.True(habit.Watching);

        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, Many, s_state);
        CloseBucket(habit);

        Assert.True(habit.RetriesAtOnce(Now));
        Assert.False(habit.WaitsOutRetryAfter(Now));
    }

    [Fact]
    public void RefusalsNotRetriedWithinTheWindow_ClientsWaitOutRetryAfter()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_state);

        // They come back when the one-second Retry-After says.
        _time.Advance(TimeSpan.FromSeconds(1));
        ArriveAll(habit, Many, s_state);
        CloseBucket(habit);

        Assert.False(habit.RetriesAtOnce(Now));
        Assert.True(habit.WaitsOutRetryAfter(Now));
    }

    [Fact]
    public void AnotherRouteOnTheRefusedConnection_IsNotARetry_AndSettlesItsMark()
    {
        // A session whose heartbeat was refused goes on with its next call: that is not the heartbeat retried. And a
        // keep-alive pool's connections carry many callers: another caller's heartbeat on that connection 100 ms later
        // is a busy connection, not a retry either (a steady warm-up refused on pooled connections once judged the
        // storm's patient clients naive).
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_heartbeat);

        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, Many, s_state);
        Assert.False(habit.Watching);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, Many, s_heartbeat);
        CloseBucket(habit);

        Assert.False(habit.RetriesAtOnce(Now));
        Assert.True(habit.WaitsOutRetryAfter(Now));
    }

    [Fact]
    public void AQuarterRetriedAtOnce_CountsAsClientsThatRetryAtOnce()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, 2 * Many, s_state);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, Many / 2, s_state);
        CloseBucket(habit);

        Assert.True(habit.RetriesAtOnce(Now));
    }

    [Fact]
    public void FewerRefusalsThanTheMinimum_JudgeNothing()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, SheddingConstants.MinRefusalsToJudgeHabit - 2, s_state);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, SheddingConstants.MinRefusalsToJudgeHabit - 2, s_state);
        CloseBucket(habit);

        Assert.False(habit.RetriesAtOnce(Now));
        Assert.False(habit.WaitsOutRetryAfter(Now));
    }

    [Fact]
    public void AJudgement_LapsesAfterTheMemoryWithoutRefusals()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_state);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, Many, s_state);
        CloseBucket(habit);
        Assert.True(habit.RetriesAtOnce(Now));

        _time.Advance(SheddingConstants.ClientPatienceMemory);

        Assert.False(habit.RetriesAtOnce(Now));
    }

    [Fact]
    public void MarksPastTheWindow_AreForgotten_SoRequestsStopBeingChecked()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_state);
        _time.Advance(SheddingConstants.EarlyRetryWindow);

        // The next judgement drops every mark at least the window old.
        habit.Arrived("nobody", s_state, Now);

        Assert.False(habit.Watching);
    }

    [Fact]
    public void TheMinimumOfEarlyRetries_JudgesTheClientsNaiveAtOnce_WithoutWaitingForTheBucket()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_state);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, SheddingConstants.MinRefusalsToJudgeHabit - 1, s_state);
        Assert.False(habit.RetriesAtOnce(Now));

        habit.Arrived($"c{SheddingConstants.MinRefusalsToJudgeHabit - 1}", s_state, Now);

        Assert.True(habit.RetriesAtOnce(Now));
    }

    [Fact]
    public void NaiveClients_ABurstWhoseRetriesComeLater_DoesNotTurnThemPaced()
    {
        var habit = new RetryHabit(_time);
        RefuseAll(habit, Many, s_state);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        ArriveAll(habit, Many, s_state);
        Assert.True(habit.RetriesAtOnce(Now));

        // The next bucket: five times the refusals, and only 15 in 100 of their retries in it yet (the rest come in
        // the bucket after).
        _time.Advance(SheddingConstants.RetryHabitBucket);
        for (var i = 0; i < 5 * Many; i++)
        {
            habit.Refused($"b{i}", s_state, Now);
        }

        for (var i = 0; i < 3 * Many / 4; i++)
        {
            habit.Arrived($"b{i}", s_state, Now);
        }

        CloseBucket(habit);

        Assert.True(habit.RetriesAtOnce(Now));
    }
}
