using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

public sealed class AdmissionPacerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A second in which the cluster completed <paramref name="count"/> requests, <paramref name="critical"/> of them critical, then the next one begins.</summary>
    private void CompletedOverASecond(AdmissionPacer pacer, int count, int critical = 0)
    {
        for (var i = 0; i < count; i++)
        {
            pacer.Completed(_time.GetTimestamp(), i < critical ? RequestPriority.Critical : RequestPriority.Default);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Rejected_NoBacklog_RetryAfterIsTheMinimum()
    {
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        for (var i = 0; i < 100; i++)
        {
            pacer.Completed(_time.GetTimestamp());
        }

        Assert.Equal(1, pacer.Rejected(_time.GetTimestamp()));
    }

    [Fact]
    public void Rejected_BacklogOfTenSecondsOfWork_SpreadsOverTenSeconds()
    {
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        CompletedOverASecond(pacer, 1000);

        var values = new int[10_000];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = pacer.Rejected(_time.GetTimestamp());
        }

        Assert.Equal(10, pacer.WindowSeconds(_time.GetTimestamp()));
        var perSecond = new int[11];
        foreach (var v in values)
        {
            Assert.InRange(v, 1, 10);
            perSecond[v]++;
        }

        // Spread, not one wave: no second gets more than a fifth of the returns.
        for (var s = 1; s <= 10; s++)
        {
            Assert.InRange(perSecond[s], 1, values.Length / 5);
        }
    }

    [Fact]
    public void Rejected_ManyRefusalsOfALowerPriority_DoNotPushAHigherOneBack()
    {
        // A storm's heartbeats (sheddable) are nine in ten of its refusals; a default request refused beside them
        // competes, when it returns, only with default and critical ones, which the cluster serves within a second.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        CompletedOverASecond(pacer, 1000, critical: 1000);

        for (var i = 0; i < 9000; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Sheddable);
        }

        for (var i = 0; i < 500; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Default);
        }

        Assert.Equal(1, pacer.Rejected(_time.GetTimestamp(), RequestPriority.Default));
        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
        Assert.Equal(10, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Sheddable));

        // A critical refusal counts for every priority below it: they come back behind it.
        for (var i = 0; i < 1000; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Critical);
        }

        Assert.Equal(2, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Default));
        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
    }

    [Fact]
    public void WindowSeconds_NothingCompletedForAWholeSecond_CappedAtRetryAfterMaxSeconds()
    {
        // A backend that serves nothing: a second per refusal, up to the cap.
        var pacer = new AdmissionPacer(new SheddingOptions { RetryAfterMaxSeconds = 5 }, _time);
        for (var i = 0; i < 1000; i++)
        {
            pacer.Rejected(_time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        pacer.Rejected(_time.GetTimestamp());

        Assert.Equal(5, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void WindowSeconds_Critical_PacedOnTheCriticalCallsTheClusterServes()
    {
        // A storm of sessions: each critical call let in brings two default ones, so the cluster's 1,000 a second serve
        // 300 critical calls. 900 critical refusals are three seconds of those, not one of all completions.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        CompletedOverASecond(pacer, 1000, critical: 300);
        for (var i = 0; i < 900; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Critical);
        }

        Assert.Equal(3, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Default));
    }

    [Fact]
    public void WindowSeconds_Critical_StormAfterAQuietSecond_ThisSecondsCountScaledToASecond()
    {
        // The second before the storm served 10 critical calls; 200 ms into it, 200 served and 1,000 refused: a
        // second of work at its 1,000 a second, not five at the 200 counted so far.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        CompletedOverASecond(pacer, 100, critical: 10);
        for (var ms = 0; ms < 200; ms++)
        {
            pacer.Completed(_time.GetTimestamp(), RequestPriority.Critical);
            for (var i = 0; i < 5; i++)
            {
                pacer.Rejected(_time.GetTimestamp(), RequestPriority.Critical);
            }

            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
    }

    [Fact]
    public void WindowSeconds_StormAfterAQuietSecond_AtLeastTheLimitOverItsLatency()
    {
        // The limit was found in a warm-up (10 at 100 ms: 100 a second); the second before the storm completed 10. 200
        // default refusals are two seconds of the limit's pace, not twenty of that quiet second's.
        var options = new SheddingOptions { Enabled = true, MinLimit = 10, InitialLimit = 10, MaxLimit = 10, SampleWindow = TimeSpan.FromMilliseconds(100) };
        var limit = new GradientLimit(options, _time);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            limit.Record(_time.GetTimestamp() - (_time.TimestampFrequency / 10), _time.GetTimestamp(), 10);
        }

        var pacer = new AdmissionPacer(options, _time, limit: limit);
        CompletedOverASecond(pacer, 10);
        for (var i = 0; i < 200; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Default);
        }

        Assert.False(limit.FindingCapacity);
        Assert.Equal(0.1, limit.LatencySeconds, 3);
        Assert.Equal(2, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Default));
    }

    [Fact]
    public void WindowSeconds_Critical_NoneServedLately_AtLeastTheirReservedShare()
    {
        // Critical calls may always use CriticalReservedFraction (a fifth) of the limit: 400 refused over 1,000 served
        // a second are two seconds of that share, whatever the last second's mix.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        CompletedOverASecond(pacer, 1000);
        for (var i = 0; i < 400; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Critical);
        }

        Assert.Equal(2, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
    }

    [Fact]
    public void WindowSeconds_LimitStillFindingCapacity_AtMostASecondPastTheMinimum()
    {
        // A storm's first half second: the limit is pinned at MinLimit for its baseline, so 200 completions a second
        // is its caution's pace, not the backend's. Ten seconds of backlog on that pace sent sessions back after the
        // storm was over.
        var options = new SheddingOptions { Enabled = true, MinLimit = 4, MaxLimit = 1000 };
        var limit = new GradientLimit(options, _time);
        var pacer = new AdmissionPacer(options, _time, limit: limit);
        CompletedOverASecond(pacer, 200, critical: 200);
        for (var i = 0; i < 2000; i++)
        {
            Assert.InRange(pacer.Rejected(_time.GetTimestamp(), RequestPriority.Critical), 1, 2);
        }

        Assert.True(limit.FindingCapacity);
        Assert.Equal(2, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
    }

    [Fact]
    public void WindowSeconds_LimitDoneFindingCapacity_TheWholeBacklog()
    {
        // A limit that cannot grow (MinLimit = MaxLimit) has found all it will: its pace is the cluster's.
        var options = new SheddingOptions { Enabled = true, MinLimit = 4, InitialLimit = 4, MaxLimit = 4 };
        var limit = new GradientLimit(options, _time);
        var pacer = new AdmissionPacer(options, _time, limit: limit);
        CompletedOverASecond(pacer, 200, critical: 200);
        for (var i = 0; i < 2000; i++)
        {
            pacer.Rejected(_time.GetTimestamp(), RequestPriority.Critical);
        }

        Assert.False(limit.FindingCapacity);
        Assert.Equal(10, pacer.WindowSeconds(_time.GetTimestamp(), RequestPriority.Critical));
    }

    [Fact]
    public void WindowSeconds_LimitFindingCapacityButNothingCompletes_NotCapped()
    {
        // A backend that hangs keeps the limit measuring for ever; its backlog is real and grows a second per refusal.
        var options = new SheddingOptions { Enabled = true, RetryAfterMaxSeconds = 5 };
        var limit = new GradientLimit(options, _time);
        var pacer = new AdmissionPacer(options, _time, limit: limit);
        for (var i = 0; i < 1000; i++)
        {
            pacer.Rejected(_time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        pacer.Rejected(_time.GetTimestamp());

        Assert.True(limit.FindingCapacity);
        Assert.Equal(5, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void Rejected_JustStartedNothingCompletedYet_TheMinimumNotASecondPerRefusal()
    {
        // An instance added during a storm refuses sheddable calls while its first requests are still in flight: no
        // completion says how fast it serves, and counting each refusal as a second of backlog sent four in ten of
        // them to RetryAfterMaxSeconds (30 s) while the rest of the fleet sent its own to one or two.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(1, pacer.Rejected(_time.GetTimestamp()));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void WindowSeconds_CountingBeganAFifthOfASecondAgo_CompletionsScaledToASecond()
    {
        // 200 ms after its first request: 100 completed (500 a second) and 1,000 refused, two seconds of work. Taken
        // as a second's completions they would read ten.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        for (var ms = 0; ms < 200; ms++)
        {
            for (var i = 0; i < 5; i++)
            {
                pacer.Rejected(_time.GetTimestamp());
            }

            if (ms % 2 == 1)
            {
                pacer.Completed(_time.GetTimestamp());
            }

            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(2, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void WindowSeconds_StormAfterAQuietSpell_FirstSecondScaledToo()
    {
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        CompletedOverASecond(pacer, 1000);
        _time.Advance(TimeSpan.FromSeconds(5));

        // 500 ms into the storm: 250 completed, 1,500 refused: three seconds at 500 a second.
        for (var ms = 0; ms < 500; ms++)
        {
            for (var i = 0; i < 3; i++)
            {
                pacer.Rejected(_time.GetTimestamp());
            }

            if (ms % 2 == 0)
            {
                pacer.Completed(_time.GetTimestamp());
            }

            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(3, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void WindowSeconds_FirstCompletionsAFewMillisecondsIn_NotTakenAsAFasterPace()
    {
        // A cold instance's first completions come in a burst of its limit one latency in: 4 after 5 ms is not 800 a
        // second. Below PacingMinCountingSpan (100 ms) they count as over 100 ms: 40 a second.
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        for (var i = 0; i < 200; i++)
        {
            pacer.Rejected(_time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromMilliseconds(5));
        for (var i = 0; i < 4; i++)
        {
            pacer.Completed(_time.GetTimestamp());
        }

        Assert.Equal(5, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void WindowSeconds_AfterAQuietSpell_BackToTheMinimum()
    {
        var pacer = new AdmissionPacer(new SheddingOptions(), _time);
        for (var i = 0; i < 1000; i++)
        {
            pacer.Rejected(_time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        pacer.Completed(_time.GetTimestamp());
        Assert.True(pacer.WindowSeconds(_time.GetTimestamp()) > 1);

        _time.Advance(TimeSpan.FromSeconds(3));
        pacer.Completed(_time.GetTimestamp());
        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void WindowSeconds_SharedAndFresh_SizedToTheFleetNotThisInstance()
    {
        // This instance refused few (the balancer sent the storm elsewhere); the fleet refused 3,000 at 300 a second.
        var fleet = new FleetCounts("c", _time);
        var pacer = new AdmissionPacer(new SheddingOptions(), _time, fleet);
        for (var i = 0; i < 100; i++)
        {
            pacer.Completed(_time.GetTimestamp());
        }

        for (var i = 0; i < 50; i++)
        {
            pacer.Rejected(_time.GetTimestamp());
        }

        Assert.Equal(1, fleet.TakePending().Rejections / 50);
        fleet.Apply(2000, 1000, 300, 250, _time.GetTimestamp());

        Assert.Equal(10, pacer.WindowSeconds(_time.GetTimestamp()));
        Assert.InRange(pacer.Rejected(_time.GetTimestamp()), 9, 15);
    }

    [Fact]
    public void WindowSeconds_FleetAnswerOlderThanASecond_LocalAgain()
    {
        var fleet = new FleetCounts("c", _time);
        var pacer = new AdmissionPacer(new SheddingOptions(), _time, fleet);
        fleet.Apply(2000, 1000, 300, 250, _time.GetTimestamp());
        Assert.Equal(10, pacer.WindowSeconds(_time.GetTimestamp()));

        // Redis slow or gone: no answer for over a second.
        _time.Advance(TimeSpan.FromMilliseconds(1100));
        for (var i = 0; i < 100; i++)
        {
            pacer.Completed(_time.GetTimestamp());
        }

        Assert.Equal(1, pacer.WindowSeconds(_time.GetTimestamp()));
    }

    [Fact]
    public void Rejected_Shared_CountsGoToTheNextBatch()
    {
        var fleet = new FleetCounts("c", _time);
        var pacer = new AdmissionPacer(new SheddingOptions(), _time, fleet);
        pacer.Rejected(_time.GetTimestamp());
        pacer.Rejected(_time.GetTimestamp());
        pacer.Completed(_time.GetTimestamp());

        Assert.Equal((2L, 1L), fleet.TakePending());
        Assert.Equal((0L, 0L), fleet.TakePending());
    }
}
