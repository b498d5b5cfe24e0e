using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

public sealed class GradientLimitTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    // The gradient's arithmetic below is worked at a tolerance of 1.5 and no floor, so each figure in a comment can be
    // checked by hand; the defaults (1.3, 5 ms) have tests of their own at the end.
    private static SheddingOptions Options(int min = 4, int max = 1000, int initial = 20, double tolerance = 1.5, double floorMs = 0) => new()
    {
        Enabled = true,
        MinLimit = min,
        MaxLimit = max,
        InitialLimit = initial,
        SampleWindow = Window,
        BaselineWindow = TimeSpan.FromSeconds(30),
        Tolerance = tolerance,
        ToleranceFloor = TimeSpan.FromMilliseconds(floorMs),
    };

    /// <summary>Records <paramref name="samples"/> requests of the given latency spread over one sample window.</summary>
    private void RunWindow(GradientLimit limit, double latencyMs, int inFlight, int samples = 10)
    {
        for (var i = 0; i < samples; i++)
        {
            _time.Advance(Window / samples);
            var end = _time.GetTimestamp();
            limit.Record(end - (long)(latencyMs / 1000 * _time.TimestampFrequency), end, inFlight);
        }
    }

    private GradientLimit Measured(SheddingOptions options, double baselineMs = 20)
    {
        var limit = new GradientLimit(options, _time);
        RunWindow(limit, baselineMs, options.MinLimit);
        return limit;
    }

    /// <summary>
    /// Out of slow start at 100, whose first cut is not smoothed: 31 ms is just past the tolerance, a cut to 100 at most.
    /// </summary>
    private GradientLimit OutOfSlowStartAt100()
    {
        var limit = Measured(Options(initial: 100));
        RunWindow(limit, 31, inFlight: 100);
        Assert.False(limit.InSlowStart);
        Assert.Equal(100, limit.Current);
        return limit;
    }

    /// <summary>In slow start from 80, one window used to the default share at the baseline: doubled to 160.</summary>
    private GradientLimit DoubledFrom80()
    {
        var limit = Measured(Options(initial: 80));
        RunWindow(limit, 20, inFlight: 64);
        Assert.Equal(160, limit.Current);
        return limit;
    }

    [Fact]
    public void New_PinsMinLimitUntilTheBaselineIsMeasured_ThenInitialLimit()
    {
        var limit = new GradientLimit(Options(), _time);

        Assert.Equal(4, limit.Current);
        Assert.True(limit.MeasuringBaseline);

        RunWindow(limit, 20, inFlight: 4);

        Assert.False(limit.MeasuringBaseline);
        Assert.Equal(0.020, limit.BaselineSeconds, 3);
        Assert.Equal(20, limit.Current);
    }

    [Fact]
    public void Record_FewerThanMinSamples_KeepsTheWindowOpen()
    {
        var limit = new GradientLimit(Options(), _time);

        RunWindow(limit, 20, inFlight: 4, samples: 2);

        Assert.True(limit.MeasuringBaseline);
        limit.Record(_time.GetTimestamp() - (long)(0.020 * _time.TimestampFrequency), _time.GetTimestamp(), 4);
        Assert.False(limit.MeasuringBaseline);
    }

    [Fact]
    public void Record_SlowStart_DoublesPerSaturatedWindowUntilLatencyClimbs()
    {
        var limit = Measured(Options());
        Assert.True(limit.InSlowStart);

        RunWindow(limit, 21, inFlight: 20);
        RunWindow(limit, 21, inFlight: 40);
        RunWindow(limit, 21, inFlight: 80);
        Assert.Equal(160, limit.Current);

        // Past the tolerance (1.5 × 20 ms): slow start ends and the limit shrinks.
        RunWindow(limit, 45, inFlight: 160);
        Assert.False(limit.InSlowStart);
        Assert.InRange(limit.Current, 100, 159);
    }

    [Fact]
    public void FindingCapacity_WhileMeasuringAndInSlowStart_UntilLatencyClimbs()
    {
        var limit = new GradientLimit(Options(), _time);
        Assert.True(limit.FindingCapacity);

        RunWindow(limit, 20, inFlight: 4);
        RunWindow(limit, 21, inFlight: 20);
        Assert.True(limit.FindingCapacity);

        RunWindow(limit, 45, inFlight: 40);
        Assert.False(limit.FindingCapacity);
    }

    [Fact]
    public void FindingCapacity_FixedLimitOrSlowStartAtMaxLimit_IsDone()
    {
        Assert.False(new GradientLimit(Options(min: 10, max: 10, initial: 10), _time).FindingCapacity);

        var limit = Measured(Options(max: 40));
        RunWindow(limit, 20, inFlight: 20);
        Assert.Equal(40, limit.Current);
        Assert.True(limit.InSlowStart);
        Assert.False(limit.FindingCapacity);
    }

    [Fact]
    public void Record_SlowStart_WindowNotUsedToTheDefaultShare_DoesNotDouble()
    {
        var limit = Measured(Options());

        // The default share of 20 is 16: 15 in flight says nothing about whether 40 would be served as well.
        RunWindow(limit, 20, inFlight: 15);

        Assert.Equal(20, limit.Current);
    }

    [Fact]
    public void Record_AfterSlowStart_LatencyAtBaselineWhileBusy_LimitGrowsBySquareRoot()
    {
        var limit = Measured(Options());
        RunWindow(limit, 45, inFlight: 20);
        Assert.False(limit.InSlowStart);

        for (var i = 0; i < 5; i++)
        {
            var before = limit.Estimate;
            RunWindow(limit, 21, inFlight: limit.Current);
            // The whole √limit per window, not a smoothed share of it.
            Assert.InRange(limit.Estimate, before + (int)Math.Sqrt(before) - 1, before + (int)Math.Sqrt(before) + 1);
        }
    }

    [Fact]
    public void Restart_AfterAnOutage_StartsFromInitialLimitInSlowStart()
    {
        var limit = Measured(Options());
        RunWindow(limit, 45, inFlight: 20);
        for (var i = 0; i < 40; i++)
        {
            RunWindow(limit, 21, inFlight: limit.Current);
        }

        Assert.True(limit.Current > 40, $"limit {limit.Current}");

        limit.Restart();

        Assert.Equal(20, limit.Current);
        Assert.True(limit.InSlowStart);
        Assert.Equal(0.020, limit.BaselineSeconds, 3);
        RunWindow(limit, 21, inFlight: 20);
        Assert.Equal(40, limit.Current);
    }

    [Fact]
    public void Record_LatencyAtBaselineWhileMostlyIdle_LimitDoesNotGrow()
    {
        var limit = Measured(Options());

        for (var i = 0; i < 20; i++)
        {
            RunWindow(limit, 20, inFlight: 3);
        }

        Assert.Equal(20, limit.Current);
    }

    [Fact]
    public void Record_LatencyWithinTolerance_LimitStillGrows()
    {
        var limit = Measured(Options());

        RunWindow(limit, 29, inFlight: 20);

        Assert.True(limit.Current > 20, $"limit {limit.Current}");
    }

    [Fact]
    public void Record_SlowStart_LatencyRisenPastAnEighth_GrowsToWhereItReachesTheTolerance()
    {
        var limit = Measured(Options(initial: 40));

        // 32 of a default share of 32 in flight at the baseline: double.
        RunWindow(limit, 20, inFlight: 32);
        Assert.Equal(80, limit.Current);

        // 64 in flight against a backend that serves 50 at once: 25.6 ms, the backend queueing. Latency grows with
        // the requests in flight from here, so the tolerance (30 ms) is reached at 80 × 30 / 25.6 = 94, not at 160.
        RunWindow(limit, 25.6, inFlight: 64);
        Assert.Equal(94, limit.Current);
        Assert.True(limit.InSlowStart);
    }

    [Fact]
    public void Record_SlowStart_LatencyWithinAnEighthOfTheBaseline_Doubles()
    {
        var limit = Measured(Options(initial: 40));

        RunWindow(limit, 22.4, inFlight: 32);

        Assert.Equal(80, limit.Current);
    }

    [Fact]
    public void Record_SlowStart_LatencyAtTheTolerance_GrowsBySquareRootAtLeast()
    {
        var limit = Measured(Options(initial: 100));

        RunWindow(limit, 29.9, inFlight: 80);

        Assert.Equal(110, limit.Current);
        Assert.True(limit.InSlowStart);
    }

    [Fact]
    public void Record_SlowStart_WindowAfterADoubling_JudgesOnlyAttemptsAdmittedUnderIt()
    {
        var limit = DoubledFrom80();

        // Attempts admitted under 80 finish at the baseline early in the window while those admitted under 160 queue at
        // the backend: the window reads the latter alone, and 52 ms is past the tolerance. Counting the whole
        // window, the mean of all 25 is 26.4 ms, within the tolerance, and would have doubled the limit again.
        var baseline = (long)(0.020 * _time.TimestampFrequency);
        for (var i = 0; i < 20; i++)
        {
            limit.Record(_time.GetTimestamp() - baseline, _time.GetTimestamp(), 80);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        _time.Advance(TimeSpan.FromMilliseconds(40));
        for (var i = 0; i < 5; i++)
        {
            limit.Record(_time.GetTimestamp() - (long)(0.052 * _time.TimestampFrequency), _time.GetTimestamp(), 130);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.False(limit.InSlowStart);
        Assert.Equal(105, limit.Current);
    }

    [Fact]
    public void Record_SlowStartOvershoot_CutsToTheEstimateAtOnce()
    {
        var limit = DoubledFrom80();

        RunWindow(limit, 52, inFlight: 130);

        // 160 × 30 / 52 + √160 = 105, in one window; smoothed, 149, and more than a second to come down.
        Assert.False(limit.InSlowStart);
        Assert.Equal(105, limit.Current);
    }

    [Fact]
    public void Record_SlowStartOvershoot_CutsNoLowerThanTheLastLimitThatHeld()
    {
        var limit = Measured(Options(initial: 20));
        // 25 ms: grown to 24, not doubled; 20 held.
        RunWindow(limit, 25, inFlight: 16);
        Assert.Equal(24, limit.Current);

        // A window four times the baseline (a GC pause, say): the estimate 24 × 0.5 + √24 = 17 is under 20.
        RunWindow(limit, 80, inFlight: 24);

        Assert.Equal(20, limit.Current);
    }

    [Fact]
    public void Record_LatencyClimbsPastTolerance_LimitShrinks()
    {
        var limit = OutOfSlowStartAt100();

        RunWindow(limit, 80, inFlight: 100);

        // gradient 1.5 × 20 / 80 = 0.375, clamped to 0.5: estimate 100 × 0.5 + 10 = 60; smoothed 0.8 × 100 + 0.2 × 60.
        Assert.Equal(92, limit.Current);
    }

    [Fact]
    public void Record_LatencyClimbsWithUnderHalfTheLimitInFlight_LimitHolds()
    {
        var limit = OutOfSlowStartAt100();

        // The gateway's own delays (new connections to accept) at 45 in flight: four times the baseline, but the
        // limit of 100 was not what made it so.
        for (var i = 0; i < 10; i++)
        {
            RunWindow(limit, 80, inFlight: 45);
        }

        Assert.Equal(100, limit.Current);

        // Half the limit in flight is use enough: the same latency cuts it.
        RunWindow(limit, 80, inFlight: 50);
        Assert.Equal(92, limit.Current);
    }

    [Fact]
    public void Record_SlowStart_LatencyClimbsWithUnderHalfTheLimitInFlight_StaysInSlowStart()
    {
        var limit = DoubledFrom80();

        RunWindow(limit, 80, inFlight: 70);

        Assert.True(limit.InSlowStart);
        Assert.Equal(160, limit.Current);
    }

    [Fact]
    public void Record_FastBackendOutOfSlowStart_RiseWithinTheFloor_LimitDoesNotShrink()
    {
        // A 1 ms backend behind a gateway short of CPU: its attempts read 4 ms from the gateway's own delays. The
        // tolerance alone (1.3 ms) would cut the limit; the floor (1 + 5 ms) lets the rise pass.
        var defaults = new SheddingOptions();
        var limit = Measured(Options(initial: 100, tolerance: defaults.Tolerance, floorMs: defaults.ToleranceFloor.TotalMilliseconds), baselineMs: 1);
        RunWindow(limit, 7, inFlight: 100);
        Assert.False(limit.InSlowStart);
        var before = limit.Current;

        for (var i = 0; i < 10; i++)
        {
            RunWindow(limit, 4, inFlight: limit.Current);
        }

        Assert.True(limit.Current > before, $"limit {before} -> {limit.Current}");
    }

    [Fact]
    public void Record_FastBackendOutOfSlowStart_RisePastTheFloor_LimitShrinks()
    {
        var limit = Measured(Options(initial: 100, tolerance: 1.3, floorMs: 5), baselineMs: 1);

        // The target is 1 + 5 = 6 ms (not 1.3): 7 ms ends slow start with a cut to 100 × 6 / 7 + 10 = 95.7.
        RunWindow(limit, 7, inFlight: 100);
        Assert.Equal(96, limit.Current);

        // 12 ms: gradient 0.5, so 95.7 × 0.5 + √95.7 = 57.6, smoothed 0.8 × 95.7 + 0.2 × 57.6 = 88.1.
        RunWindow(limit, 12, inFlight: limit.Current);
        Assert.Equal(88, limit.Current);
    }

    [Fact]
    public void Record_SlowBackend_TheToleranceDecidesNotTheFloor()
    {
        // 20 ms: the tolerance (26 ms) is above baseline + floor (25 ms), so 25.5 ms is within it and 27 ms past it.
        var within = Measured(Options(initial: 100, tolerance: 1.3, floorMs: 5));
        RunWindow(within, 25.5, inFlight: 100);
        Assert.True(within.InSlowStart);

        var past = Measured(Options(initial: 100, tolerance: 1.3, floorMs: 5));
        RunWindow(past, 27, inFlight: 100);
        Assert.False(past.InSlowStart);
        Assert.True(past.Current <= 100, $"limit {past.Current}");
    }

    [Fact]
    public void Record_SustainedOverload_FallsToMinLimitAndNoFurther()
    {
        var limit = Measured(Options(initial: 100));

        for (var i = 0; i < 200; i++)
        {
            RunWindow(limit, 200, inFlight: limit.Current);
        }

        Assert.Equal(4, limit.Current);
    }

    [Fact]
    public void Record_NoLoadLatencyForever_StopsAtMaxLimit()
    {
        var limit = Measured(Options(max: 50));

        for (var i = 0; i < 200; i++)
        {
            RunWindow(limit, 20, inFlight: limit.Current);
        }

        Assert.Equal(50, limit.Current);
    }

    [Fact]
    public void Record_QueueingBackend_SettlesNearItsCapacity()
    {
        // A backend of capacity 8 and 20 ms service time: at concurrency c its mean latency is about 20 ms × c / 8.
        var limit = Measured(Options(min: 2, initial: 4), baselineMs: 20);

        for (var i = 0; i < 250; i++)
        {
            var c = limit.Current;
            RunWindow(limit, 20.0 * Math.Max(1.0, c / 8.0), inFlight: c);
        }

        Assert.False(limit.MeasuringBaseline);
        // The equilibrium is where latency is Tolerance/(1 − 1/√limit) × baseline: a small standing queue, not 10x.
        Assert.InRange(limit.Current, 8, 24);
    }

    [Fact]
    public void BackendSlowerForGood_BaselineFollowsWithinTwoBaselineWindows_WithoutPinning()
    {
        var options = Options() with { BaselineWindow = TimeSpan.FromSeconds(1) };
        var limit = Measured(options, baselineMs: 20);

        // From now on the backend's no-load latency is 40 ms: a shrinking limit at first, then the new baseline.
        var lowest = int.MaxValue;
        for (var i = 0; i < 25; i++)
        {
            RunWindow(limit, 40, inFlight: limit.Current);
            Assert.False(limit.MeasuringBaseline);
            lowest = Math.Min(lowest, limit.Current);
        }

        Assert.Equal(0.040, limit.BaselineSeconds, 3);
        Assert.True(limit.Current > lowest, $"limit {limit.Current}, lowest {lowest}");
    }
}
