namespace Gateway.Shedding;

/// <summary>
/// The adaptive concurrency limit of one cluster, a gradient algorithm after Netflix's Gradient2 and Envoy's adaptive
/// concurrency filter. The no-load latency baseline is first measured with the limit pinned to
/// <see cref="SheddingOptions.MinLimit"/>; after that it is the lowest window latency over the current and the previous
/// <see cref="SheddingOptions.BaselineWindow"/>, so a backend that became slower for good is re-measured within two
/// windows. (Envoy re-pins the limit to re-measure; in a storm that refuses almost everyone for a window, critical
/// requests included, which is what this gateway must not do.) Every <see cref="SheddingOptions.SampleWindow"/> the
/// mean latency of the window is compared with the baseline:
/// <c>gradient = clamp(target / latency, 0.5, 1)</c>, where <c>target = max(Tolerance × baseline, baseline + ToleranceFloor)</c>,
/// <c>estimate = limit × gradient + √limit</c>, smoothed and bounded by MinLimit and MaxLimit.
/// The limit thus grows by √limit per busy window while latency stays within the tolerance (unsmoothed) and shrinks,
/// smoothed, when it climbs. A window whose peak in flight was under half the limit leaves the limit as it is.
/// </summary>
/// <remarks>
/// Thread-safe and lock-free: requests add their latency with <see cref="Interlocked"/>; the one that closes a window
/// recomputes the limit while the others go on with the published value.
/// </remarks>
internal sealed class GradientLimit
{
    private const double MinGradient = 0.5;

    private readonly SheddingOptions _options;
    private readonly double _frequency;
    private readonly long _sampleWindow;
    private readonly long _baselineWindow;
    private readonly double _toleranceFloor;

    private long _sum;
    private int _count;
    private int _maxInFlight;
    private int _updating;
    private long _windowEnd;

    // When the current window began (the limit it runs under was published), for slow start; see Record.
    private long _windowStart;

    // Written only by the request holding _updating.
    private double _estimate;
    private double _baseline = double.PositiveInfinity;
    private double _currentMin = double.PositiveInfinity;
    private double _previousMin = double.PositiveInfinity;
    private long _nextBaselineAt;

    private double _latency = double.NaN;
    private int _slowStart = 1;

    // The last limit slow start saw used to the full with latency within the tolerance; under _updating. Leaving slow
    // start never cuts below it.
    private double _slowStartFloor;
    private int _published;
    private int _measuring;
    private long _measureStart;

    public GradientLimit(SheddingOptions options, TimeProvider time)
    {
        _options = options;
        _frequency = time.TimestampFrequency;
        _sampleWindow = ToTicks(options.SampleWindow);
        _baselineWindow = ToTicks(options.BaselineWindow);
        _toleranceFloor = options.ToleranceFloor.TotalSeconds;
        _estimate = options.InitialLimit;
        _slowStartFloor = options.MinLimit;
        var now = time.GetTimestamp();
        _windowStart = now;
        _windowEnd = now + _sampleWindow;
        StartMeasuring(now);
    }

    /// <summary>The concurrency the cluster may have now.</summary>
    public int Current => Volatile.Read(ref _published);

    /// <summary>The limit the gradient found, even while the first baseline is measured (then <see cref="Current"/> is MinLimit).</summary>
    public int Estimate => (int)Math.Round(Volatile.Read(ref _estimate));

    /// <summary>The no-load latency in seconds; infinity until first measured.</summary>
    public double BaselineSeconds => Volatile.Read(ref _baseline);

    /// <summary>The latency the limit holds the backend to, in seconds: the baseline raised by the tolerance, or by the floor where that is more.</summary>
    public double TargetSeconds => Target(Volatile.Read(ref _baseline));

    /// <summary>The mean latency of the last closed window in seconds; NaN until one closed.</summary>
    public double LatencySeconds => Volatile.Read(ref _latency);

    /// <summary>Whether the limit still doubles per saturated window, having seen no latency climb since (re)start.</summary>
    public bool InSlowStart => Volatile.Read(ref _slowStart) != 0;

    /// <summary>Whether the limit is pinned to MinLimit to measure the first baseline.</summary>
    public bool MeasuringBaseline => Volatile.Read(ref _measuring) != 0;

    /// <summary>
    /// Whether the limit is still looking for the backend's capacity: pinned to MinLimit for the first baseline, or in
    /// slow start below MaxLimit. Slots then free at the pace the gateway's own caution allows, which doubles every
    /// busy window, not at the pace the backend could serve, so that pace must not be used to refuse anyone.
    /// </summary>
    public bool FindingCapacity =>
        (Volatile.Read(ref _measuring) != 0 || Volatile.Read(ref _slowStart) != 0) && Current < _options.MaxLimit;

    /// <summary>Adds one proxied request's latency, from <paramref name="start"/> to <paramref name="end"/> (<see cref="TimeProvider"/> timestamps).</summary>
    /// <param name="inFlight">Requests in flight to the cluster when it ended, this one included.</param>
    public void Record(long start, long end, int inFlight)
    {
        // A baseline measured under the load admitted before the limit was pinned would not be a no-load latency.
        if (Volatile.Read(ref _measuring) != 0 && start < Volatile.Read(ref _measureStart))
        {
            return;
        }

        // In slow start a window judges the limit it ran under, as TCP judges a round by its own packets: an attempt
        // admitted under the limit before (half of it) says nothing about this one. Counted, it let the window after a
        // doubling read the doubled limit as fine and its overshoot stand (160 with 135 in flight against a backend
        // of 50, for more than a second).
        if (Volatile.Read(ref _slowStart) != 0 && start < Volatile.Read(ref _windowStart))
        {
            return;
        }

        Interlocked.Add(ref _sum, end - start);
        Interlocked.Increment(ref _count);
        for (var peak = Volatile.Read(ref _maxInFlight); inFlight > peak; peak = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, peak) == peak)
            {
                break;
            }
        }

        if (end >= Volatile.Read(ref _windowEnd) && Interlocked.CompareExchange(ref _updating, 1, 0) == 0)
        {
            try
            {
                Update(end);
            }
            finally
            {
                Volatile.Write(ref _updating, 0);
            }
        }
    }

    private void Update(long now)
    {
        if (now < _windowEnd || Volatile.Read(ref _count) < SheddingConstants.MinSamplesPerWindow)
        {
            return;
        }

        var count = Interlocked.Exchange(ref _count, 0);
        var sum = Interlocked.Exchange(ref _sum, 0);
        var maxInFlight = Interlocked.Exchange(ref _maxInFlight, 0);
        Volatile.Write(ref _windowStart, now);
        Volatile.Write(ref _windowEnd, now + _sampleWindow);
        var latency = Math.Max(sum / (double)count / _frequency, 1e-6);
        Volatile.Write(ref _latency, latency);

        if (Volatile.Read(ref _measuring) != 0)
        {
            _currentMin = latency;
            Volatile.Write(ref _baseline, latency);
            _nextBaselineAt = now + _baselineWindow;
            Volatile.Write(ref _measuring, 0);
            Publish();
            return;
        }

        if (now >= _nextBaselineAt)
        {
            _previousMin = _currentMin;
            _currentMin = double.PositiveInfinity;
            _nextBaselineAt = now + _baselineWindow;
        }

        _currentMin = Math.Min(_currentMin, latency);
        Volatile.Write(ref _baseline, Math.Min(_previousMin, _currentMin));

        var limit = _estimate;

        // A window that used less than half the limit says nothing about the limit, either way (Netflix's Gradient2
        // holds its limit when "app limited" for the same reason). Its latency then comes from something other than
        // the concurrency admitted: measured, in every window where each request came on a new connection, attempts to
        // a 0.1 ms backend read 7-22 ms from the gateway's own socket engines busy with accepts and closes, with
        // 144-228 in flight, and the limit fell from 568 to 303 within a second. In a storm the limit is used to the
        // full and this never holds it.
        if (maxInFlight * 2 < limit)
        {
            return;
        }

        var headroom = Target(_baseline) / latency;
        var gradient = Math.Clamp(headroom, MinGradient, 1.0);
        if (Volatile.Read(ref _slowStart) != 0)
        {
            if (gradient >= 1.0)
            {
                // Slow start, as in TCP: until latency first climbs, a limit that was used to the full doubles each
                // window. Growing by √limit from a cold start would take a storm's whole length to reach the
                // backend's capacity while the gateway refuses clients the backend could serve.
                // "To the full" is the default share: past it, non-critical requests queue.
                if (maxInFlight >= Math.Max(1, (int)(Math.Round(limit) * (1 - _options.CriticalReservedFraction))))
                {
                    _slowStartFloor = limit;
                    Volatile.Write(ref _estimate, Math.Clamp(SlowStartGrowth(limit, latency, headroom), _options.MinLimit, _options.MaxLimit));
                    Publish();
                }

                return;
            }

            // The first climb past the tolerance: cut to the estimate at once, not a smoothed fifth of the way, and
            // not below the last limit that held. Smoothed, a doubling past the backend's capacity (160 with 135 in
            // flight against 50) took more than a second to fall to 106, with critical calls 55 ms into the backend's
            // queue all that time. The smoothing guards a settled limit against one window inflated by a GC pause;
            // here the estimate cannot fall below half the doubled limit, which is the one before it.
            Volatile.Write(ref _slowStart, 0);
            var cut = Math.Max(_slowStartFloor, (limit * gradient) + Math.Sqrt(limit));
            Volatile.Write(ref _estimate, Math.Clamp(Math.Min(cut, limit), _options.MinLimit, _options.MaxLimit));
            Publish();
            return;
        }

        if (gradient >= 1.0)
        {
            // Used, the limit grows by the whole √limit, not a smoothed fifth: a limit left low by a quiet hour would
            // otherwise take seconds of a storm to reach what the backend serves (measured: 48 to 90 in 4 s), while
            // the overshoot past the knee stays one √limit, which the next window's latency reports.
            limit += Math.Sqrt(limit);
        }
        else
        {
            // Shrinking is smoothed: one window's latency, inflated by a moment's CPU starvation or a GC pause, must
            // not halve the limit.
            var estimate = (limit * gradient) + Math.Sqrt(limit);
            limit = ((1 - _options.Smoothing) * limit) + (_options.Smoothing * estimate);
        }

        Volatile.Write(ref _estimate, Math.Clamp(limit, _options.MinLimit, _options.MaxLimit));
        Publish();
    }

    /// <summary>
    /// Slow start's next limit after a window used <paramref name="limit"/> to the full within the tolerance: twice it
    /// while latency holds at the baseline. Once latency has risen (by more than SlowStartLatencyRise), the backend is
    /// queueing: its latency then grows in proportion to the requests in flight, so it reaches the tolerance at
    /// limit × <paramref name="headroom"/> (the target latency / latency), and the limit goes there rather than
    /// doubling past it; at least √limit, as it would grow after slow start.
    /// </summary>
    private double SlowStartGrowth(double limit, double latency, double headroom)
    {
        if (latency <= _baseline * (1 + SheddingConstants.SlowStartLatencyRise))
        {
            return limit * 2;
        }

        return Math.Max(limit * Math.Min(2, headroom), limit + Math.Sqrt(limit));
    }

    private double Target(double baseline) => Math.Max(_options.Tolerance * baseline, baseline + _toleranceFloor);

    /// <summary>
    /// Starts over from InitialLimit in slow start, keeping the baseline: for a cluster back from an outage, which
    /// must be fed at the rate it proves it can take (doubling per window while latency holds), not at the limit it
    /// had before it fell over.
    /// </summary>
    public void Restart()
    {
        while (Interlocked.CompareExchange(ref _updating, 1, 0) != 0)
        {
            Thread.Yield();
        }

        try
        {
            Volatile.Write(ref _estimate, _options.InitialLimit);
            Volatile.Write(ref _slowStart, 1);
            _slowStartFloor = _options.MinLimit;
            Interlocked.Exchange(ref _maxInFlight, 0);
            if (Volatile.Read(ref _measuring) == 0)
            {
                Publish();
            }
        }
        finally
        {
            Volatile.Write(ref _updating, 0);
        }
    }

    private void StartMeasuring(long now)
    {
        Volatile.Write(ref _measureStart, now);
        Volatile.Write(ref _measuring, 1);
        Volatile.Write(ref _published, _options.MinLimit);
    }

    private void Publish() => Volatile.Write(ref _published, (int)Math.Round(_estimate));

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _frequency);
}
