using HdrHistogram;
using LoadTests.Clients;

namespace LoadTests.Reporting;

/// <summary>
/// Collects a run's results from many concurrent sessions. One lock: the load tester records at most tens of
/// thousands of events a second, far below where a lock costs anything that matters next to an HTTP call.
/// </summary>
internal sealed class RunStats
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly List<StepStats> _steps = [];
    private readonly List<TimelineBucket> _timeline = [];
    private readonly List<long> _bootstrappedAt = [];
    private readonly LongHistogram _startLag = Histograms.Create(2);
    private long _attempts;
    private long _inFlight;
    private long _sessionsStarted;
    private long _sessionsFailed;
    private long _callsOk;
    private long _callsFailed;
    private long _lastCompletion;
    private long _connectionSlotWaits;

    // Sessions that send their deadline and sessions that do not (LoadTestOptions.SendDeadlineFraction), apart.
    private readonly KindStats _sendsDeadline = new("sending their deadline");
    private readonly KindStats _sendsNone = new("sending no deadline");

    public RunStats(TimeProvider time, long origin)
    {
        _time = time;
        Origin = origin;
        _lastCompletion = origin;
    }

    /// <summary>The timestamp the run's schedule counts from.</summary>
    public long Origin { get; }

    public long Attempts => Interlocked.Read(ref _attempts);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public long SessionsStarted => Interlocked.Read(ref _sessionsStarted);

    public long SessionsFailed => Interlocked.Read(ref _sessionsFailed);

    public long CallsOk => Interlocked.Read(ref _callsOk);

    public long CallsFailed => Interlocked.Read(ref _callsFailed);

    public long SessionsBootstrapped
    {
        get
        {
            lock (_lock)
            {
                return _bootstrappedAt.Count;
            }
        }
    }

    /// <summary>Counts a session and how late it started against its schedule (the load generator's own lag).</summary>
    public void SessionStarted(long scheduled)
    {
        Interlocked.Increment(ref _sessionsStarted);
        var lag = _time.GetElapsedTime(scheduled);
        lock (_lock)
        {
            Histograms.Record(_startLag, lag > TimeSpan.Zero ? lag : TimeSpan.Zero);
        }
    }

    /// <summary>A session had to wait because the tool held its maximum of connections.</summary>
    public void ConnectionSlotWaited() => Interlocked.Increment(ref _connectionSlotWaits);

    public void SessionFailed() => Interlocked.Increment(ref _sessionsFailed);

    public void SessionBootstrapped()
    {
        var at = _time.GetTimestamp() - Origin;
        lock (_lock)
        {
            _bootstrappedAt.Add(at);
        }
    }

    public void AttemptStarted()
    {
        Interlocked.Increment(ref _attempts);
        Interlocked.Increment(ref _inFlight);
    }

    /// <param name="latency">How long the attempt took; for rejections it is how fast the target said no.</param>
    public void RecordAttempt(string step, AttemptOutcome outcome, TimeSpan? latency = null, bool? sendsDeadline = null)
    {
        Interlocked.Decrement(ref _inFlight);
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (sendsDeadline is { } sends && latency is { } kindLatency)
            {
                CountKindAttempt(sends, outcome, kindLatency);
            }

            var stats = Step(step);
            stats.Attempts++;
            Increment(stats.Statuses, outcome.Label);
            if (outcome.GatewayReason is { } reason)
            {
                Increment(stats.Reasons, reason);
            }

            if (!outcome.IsSuccess)
            {
                var bucket = Bucket(now);
                if (outcome.IsRejection)
                {
                    bucket.Rejections++;
                    if (latency is { } answeredIn)
                    {
                        Histograms.Record(stats.RejectionLatency, answeredIn);
                    }
                }
                else
                {
                    bucket.Errors++;
                }
            }
        }
    }

    /// <summary>Counts a session's end for its kind: whether it sends its deadline, whether it bootstrapped.</summary>
    public void KindSessionEnded(bool sendsDeadline, bool bootstrapped)
    {
        lock (_lock)
        {
            var kind = sendsDeadline ? _sendsDeadline : _sendsNone;
            kind.Sessions++;
            kind.Bootstrapped += bootstrapped ? 1 : 0;
        }
    }

    /// <summary>
    /// Counts an attempt for its session's kind: timeouts, and how fast refusals came. Under the lock
    /// <see cref="RecordAttempt"/> already holds, so an attempt takes it once.
    /// </summary>
    private void CountKindAttempt(bool sendsDeadline, AttemptOutcome outcome, TimeSpan answeredIn)
    {
        var kind = sendsDeadline ? _sendsDeadline : _sendsNone;
        kind.Attempts++;
        kind.Timeouts += outcome.Error == "timeout" ? 1 : 0;
        if (outcome.IsRejection)
        {
            Histograms.Record(kind.RejectionLatency, answeredIn);
        }
    }

    /// <summary>Both kinds of session, when the run had both; otherwise null (the whole run is one kind).</summary>
    public IReadOnlyList<ClientKindReport>? SummariseKinds()
    {
        lock (_lock)
        {
            return _sendsDeadline.Sessions == 0 || _sendsNone.Sessions == 0
                ? null
                : [_sendsDeadline.ToReport(), _sendsNone.ToReport()];
        }
    }

    /// <summary>Records a logical call (after retries) that was due at <paramref name="scheduled"/>.</summary>
    public void RecordCall(string step, bool ok, long scheduled)
    {
        var now = _time.GetTimestamp();
        var latency = _time.GetElapsedTime(scheduled, now);
        Interlocked.Increment(ref ok ? ref _callsOk : ref _callsFailed);
        lock (_lock)
        {
            if (now > _lastCompletion)
            {
                _lastCompletion = now;
            }

            var stats = Step(step);
            stats.Calls++;
            if (!ok)
            {
                stats.Failed++;
                return;
            }

            stats.Ok++;
            Histograms.Record(stats.Latency, latency);
            var bucket = Bucket(now);
            bucket.Goodput++;
            Histograms.Record(bucket.Latency, latency);
        }
    }

    /// <summary>Declares steps up front so the report lists them in session order.</summary>
    public void DeclareSteps(IEnumerable<string> steps)
    {
        lock (_lock)
        {
            foreach (var step in steps)
            {
                Step(step);
            }
        }
    }

    public (IReadOnlyList<StepReport> Steps, StepReport Overall, double DurationSeconds, IReadOnlyList<TimelinePoint> Timeline) Summarise()
    {
        lock (_lock)
        {
            var duration = Math.Max(_time.GetElapsedTime(Origin, _lastCompletion).TotalSeconds, 1e-3);
            var steps = _steps.Select(s => s.ToReport(duration)).ToList();
            var overall = new StepStats("overall");
            foreach (var step in _steps)
            {
                overall.Add(step);
            }

            var timeline = _timeline.Select((b, second) => new TimelinePoint(
                second,
                b.Goodput,
                b.Rejections,
                b.Errors,
                b.Latency.TotalCount == 0 ? null : Math.Round(b.Latency.GetValueAtPercentile(99) / 1000.0, 3))).ToList();
            return (steps, overall.ToReport(duration), Math.Round(duration, 3), timeline);
        }
    }

    public SessionReport SummariseSessions(long planned)
    {
        lock (_lock)
        {
            var served = _bootstrappedAt.Order().ToList();
            double? At(double fraction)
            {
                var needed = (long)Math.Ceiling(planned * fraction);
                return needed == 0 || served.Count < needed ? null : Math.Round(Seconds(served[(int)needed - 1]), 3);
            }

            return new SessionReport(planned, SessionsStarted, served.Count, SessionsFailed, At(1.0), At(0.5), At(0.99), LatencySummary.From(_startLag), Interlocked.Read(ref _connectionSlotWaits));
        }
    }

    private double Seconds(long timestampDelta) => timestampDelta / (double)_time.TimestampFrequency;

    private StepStats Step(string name)
    {
        foreach (var step in _steps)
        {
            if (step.Name == name)
            {
                return step;
            }
        }

        var added = new StepStats(name);
        _steps.Add(added);
        return added;
    }

    private TimelineBucket Bucket(long now)
    {
        var second = (int)Math.Max(0, Seconds(now - Origin));
        while (_timeline.Count <= second)
        {
            _timeline.Add(new TimelineBucket());
        }

        return _timeline[second];
    }

    private static void Increment(Dictionary<string, long> counts, string key) =>
        counts[key] = counts.TryGetValue(key, out var count) ? count + 1 : 1;

    private sealed class KindStats(string name)
    {
        public long Sessions;
        public long Bootstrapped;
        public long Attempts;
        public long Timeouts;
        public readonly LongHistogram RejectionLatency = Histograms.Create();

        public ClientKindReport ToReport() => new(name, Sessions, Bootstrapped, Attempts, Timeouts, LatencySummary.From(RejectionLatency));
    }

    private sealed class TimelineBucket
    {
        public long Goodput;
        public long Rejections;
        public long Errors;
        public readonly LongHistogram Latency = Histograms.Create(2);
    }

    private sealed class StepStats(string name)
    {
        public string Name { get; } = name;

        public long Calls;
        public long Ok;
        public long Failed;
        public long Attempts;
        public readonly LongHistogram Latency = Histograms.Create();
        public readonly LongHistogram RejectionLatency = Histograms.Create();
        public readonly Dictionary<string, long> Statuses = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> Reasons = new(StringComparer.Ordinal);

        public void Add(StepStats other)
        {
            Calls += other.Calls;
            Ok += other.Ok;
            Failed += other.Failed;
            Attempts += other.Attempts;
            Latency.Add(other.Latency);
            RejectionLatency.Add(other.RejectionLatency);
            foreach (var (key, count) in other.Statuses)
            {
                Statuses[key] = Statuses.GetValueOrDefault(key) + count;
            }

            foreach (var (key, count) in other.Reasons)
            {
                Reasons[key] = Reasons.GetValueOrDefault(key) + count;
            }
        }

        public StepReport ToReport(double durationSeconds) => new(
            Name,
            Calls,
            Ok,
            Failed,
            Attempts,
            Math.Round(Ok / durationSeconds, 1),
            LatencySummary.From(Latency),
            Statuses.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(),
            Reasons.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(),
            LatencySummary.From(RejectionLatency));
    }
}
