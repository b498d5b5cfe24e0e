using LoadTests.Clients;
using LoadTests.Reporting;
using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Reporting;

public sealed class RunStatsTests
{
    private static readonly AttemptOutcome s_ok = new(200, null, null, null);
    private static readonly AttemptOutcome s_overloaded = new(503, "overloaded", TimeSpan.FromSeconds(1), null);
    private static readonly AttemptOutcome s_refused = AttemptOutcome.Failed("connection-refused");

    [Fact]
    public void Summarise_CountsPerStepAndOverall_AddUp()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());
        stats.DeclareSteps(["/auth", "/state"]);

        Attempt(stats, "/auth", s_overloaded);
        Attempt(stats, "/auth", s_ok);
        stats.RecordCall("/auth", ok: true, stats.Origin);
        Attempt(stats, "/auth", s_refused);
        stats.RecordCall("/auth", ok: false, stats.Origin);
        time.Advance(TimeSpan.FromSeconds(2));
        Attempt(stats, "/state", s_ok);
        stats.RecordCall("/state", ok: true, stats.Origin);

        var (steps, overall, duration, _) = stats.Summarise();

        Assert.Equal(["/auth", "/state"], steps.Select(s => s.Name));
        var auth = steps[0];
        Assert.Equal((2L, 1L, 1L, 3L), (auth.Calls, auth.Ok, auth.Failed, auth.Attempts));
        Assert.Equal(new Dictionary<string, long> { ["200"] = 1, ["503"] = 1, ["connection-refused"] = 1 }, auth.StatusCodes);
        Assert.Equal(new Dictionary<string, long> { ["overloaded"] = 1 }, auth.GatewayReasons);
        Assert.Equal((3L, 2L, 1L, 4L), (overall.Calls, overall.Ok, overall.Failed, overall.Attempts));
        Assert.Equal(overall.Attempts, overall.StatusCodes.Values.Sum());
        Assert.Equal(2, duration, 3);
        Assert.Equal(1.0, overall.GoodputPerSecond, 3);
        Assert.Equal(0, stats.InFlight);
    }

    [Fact]
    public void RecordCall_LatencyCountsFromTheScheduledStart()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());
        var scheduled = time.GetTimestamp();

        // The load generator started late (or the server was slow): either way the user waited 250 ms.
        time.Advance(TimeSpan.FromMilliseconds(250));
        stats.RecordCall("/x", ok: true, scheduled);

        Assert.Equal(250, stats.Summarise().Overall.Latency.P50Ms, 0);
    }

    [Fact]
    public void Summarise_Timeline_OnePointPerSecondByCompletion()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());

        Attempt(stats, "/x", s_ok);
        stats.RecordCall("/x", ok: true, stats.Origin);
        time.Advance(TimeSpan.FromSeconds(2.5));
        Attempt(stats, "/x", s_overloaded);
        Attempt(stats, "/x", s_refused);

        var timeline = stats.Summarise().Timeline;

        Assert.Equal(
            [new TimelinePoint(0, 1, 0, 0, timeline[0].P99Ms), new TimelinePoint(1, 0, 0, 0, null), new TimelinePoint(2, 0, 1, 1, null)],
            timeline);
    }

    [Fact]
    public void SummariseSessions_AllBootstrapped_TimeUntilFullyServed()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());
        for (var i = 0; i < 4; i++)
        {
            stats.SessionStarted(stats.Origin);
            time.Advance(TimeSpan.FromSeconds(1));
            stats.SessionBootstrapped();
        }

        var sessions = stats.SummariseSessions(planned: 4);

        Assert.Equal((4L, 4L, 4L, 0L, 4.0, 2.0, 4.0), (sessions.Planned, sessions.Started, sessions.Bootstrapped, sessions.Failed, sessions.FullyServedSeconds, sessions.HalfServedSeconds, sessions.Served99Seconds));
        // Started 0, 1, 2 and 3 s after the schedule said; the lag histogram keeps two significant digits (1 %).
        Assert.InRange(sessions.StartLag.MaxMs, 3000, 3030);
    }

    [Fact]
    public void SummariseSessions_OneFailed_NeverFullyServed()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());
        stats.SessionStarted(stats.Origin);
        stats.SessionStarted(stats.Origin);
        time.Advance(TimeSpan.FromSeconds(1));
        stats.SessionBootstrapped();
        stats.SessionFailed();

        var sessions = stats.SummariseSessions(planned: 2);

        Assert.Equal((2L, 2L, 1L, 1L, (double?)null, (double?)1.0, (double?)null), (sessions.Planned, sessions.Started, sessions.Bootstrapped, sessions.Failed, sessions.FullyServedSeconds, sessions.HalfServedSeconds, sessions.Served99Seconds));
    }

    [Fact]
    public void SummariseKinds_BothKinds_CountsEachApart()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());

        stats.RecordAttempt("/api/state", s_overloaded, TimeSpan.FromMilliseconds(2), sendsDeadline: true);
        stats.RecordAttempt("/api/state", s_ok, TimeSpan.FromMilliseconds(30), sendsDeadline: true);
        stats.KindSessionEnded(sendsDeadline: true, bootstrapped: true);
        stats.RecordAttempt("/api/state", s_overloaded, TimeSpan.FromMilliseconds(900), sendsDeadline: false);
        stats.RecordAttempt("/api/state", AttemptOutcome.Failed("timeout"), TimeSpan.FromSeconds(1), sendsDeadline: false);
        stats.KindSessionEnded(sendsDeadline: false, bootstrapped: false);

        var kinds = stats.SummariseKinds()!;

        Assert.Equal((1L, 1L, 2L, 0L, 1L), (kinds[0].Sessions, kinds[0].Bootstrapped, kinds[0].Attempts, kinds[0].Timeouts, kinds[0].RejectionLatency.Count));
        Assert.Equal((1L, 0L, 2L, 1L, 1L), (kinds[1].Sessions, kinds[1].Bootstrapped, kinds[1].Attempts, kinds[1].Timeouts, kinds[1].RejectionLatency.Count));
        Assert.InRange(kinds[0].RejectionLatency.MaxMs, 1, 3);
        Assert.InRange(kinds[1].RejectionLatency.MaxMs, 890, 910);
    }

    [Fact]
    public void SummariseKinds_OneKindOnly_IsNull()
    {
        var time = new FakeTimeProvider();
        var stats = new RunStats(time, time.GetTimestamp());
        stats.KindSessionEnded(sendsDeadline: true, bootstrapped: true);

        Assert.Null(stats.SummariseKinds());
    }

    private static void Attempt(RunStats stats, string step, AttemptOutcome outcome)
    {
        stats.AttemptStarted();
        stats.RecordAttempt(step, outcome);
    }
}
