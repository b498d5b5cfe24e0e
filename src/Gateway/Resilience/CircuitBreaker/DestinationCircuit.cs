using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Yarp.ReverseProxy.Model;

namespace Gateway.Resilience;

/// <summary>
/// One destination's attempt pipeline (circuit breaker around the attempt timeout) and a lock-free mirror of its
/// circuit state, which the filter before load balancing reads without touching Polly's lock.
/// </summary>
/// <remarks>
/// An attempt the client abandoned (<see cref="AttemptVerdict.ClientAborted"/>) must count neither as a success nor
/// as a failure, but Polly's breaker records every outcome its predicate returns as one or the other: an unhandled
/// outcome is a success, and in half-open state it closes the circuit. So the predicate gives no answer at all for
/// it: while the circuit is closed (or open, for an attempt begun before it opened) it throws the client's
/// cancellation, which leaves Polly's counts and state as they were, and the middleware ends the request, whose
/// client is gone. The half-open probe cannot do that: Polly lets no other probe through until the current one
/// reports, so a probe without a verdict would hold the circuit half-open for good. Its slot is freed instead: it
/// is reported as a failure whose break lasts zero seconds, which Polly takes as "open until now", so the next
/// request through becomes the probe. That failure neither lengthens the next break nor shows as the circuit
/// opening; the circuit reads half-open throughout, with no probe out until the next one starts.
/// </remarks>
internal sealed class DestinationCircuit
{
    // Set on the half-open probe's Polly context, so the predicate can tell the probe from an attempt begun earlier.
    private static readonly ResiliencePropertyKey<bool> s_probeKey = new("Gateway.CircuitProbe");

    // Set on the probe's context when its slot is freed without a verdict; the break generator and OnOpened read it.
    private static readonly ResiliencePropertyKey<bool> s_releaseKey = new("Gateway.CircuitProbeReleased");

    private readonly ClusterResilience _owner;
    private readonly CircuitBreakerOptions _options;
    private int _state = (int)CircuitState.Closed;
    private int _probeOut;
    private long _openUntil;
    private long _openUntilUtcTicks;
    private int _failedProbes;

    public DestinationCircuit(ClusterResilience owner, DestinationState destination, TimeProvider time)
    {
        _owner = owner;
        _options = owner.Options.CircuitBreaker;
        DestinationId = destination.DestinationId;
        var builder = new ResiliencePipelineBuilder<AttemptVerdict> { TimeProvider = time, Name = owner.ClusterId };
        if (_options.Enabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptVerdict>
            {
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                BreakDurationGenerator = args => new ValueTask<TimeSpan>(NextBreak(args.Context)),
                ShouldHandle = args => new ValueTask<bool>(IsFailure(args.Outcome, args.Context)),
                OnOpened = args => Opened(args.BreakDuration, args.Context, time),
                OnHalfOpened = args => HalfOpened(args.Context),
                OnClosed = _ => Closed(),
            });
        }

        Pipeline = builder.Build();
    }

    public string DestinationId { get; }

    /// <summary>
    /// The breaker; an attempt timed out by <see cref="CircuitBreakerMiddleware"/> (a <see cref="TimeoutRejectedException"/>)
    /// counts as a failure. An attempt whose verdict
    /// is <see cref="AttemptVerdict.ClientAborted"/> may end in the client's <see cref="OperationCanceledException"/>
    /// thrown out of the run (see the remarks on the class).
    /// </summary>
    public ResiliencePipeline<AttemptVerdict> Pipeline { get; }

    public CircuitState State => (CircuitState)Volatile.Read(ref _state);

    /// <summary>When the current break ends (UTC), or null when the circuit is not open.</summary>
    public DateTimeOffset? OpenUntil => State == CircuitState.Open ? new DateTimeOffset(Volatile.Read(ref _openUntilUtcTicks), TimeSpan.Zero) : null;

    /// <summary>
    /// Whether load balancing must skip the destination at <paramref name="now"/> (a TimeProvider timestamp): open
    /// and still breaking, or half-open with its probe in flight. Once the break is over it is offered again, and
    /// the first request through becomes the probe.
    /// </summary>
    public bool IsSkipped(long now, out long until)
    {
        until = Volatile.Read(ref _openUntil);
        return State switch
        {
            CircuitState.Open => now < until,
            CircuitState.HalfOpen => Volatile.Read(ref _probeOut) != 0,
            CircuitState.Isolated => true,
            _ => false,
        };
    }

    private bool IsFailure(Outcome<AttemptVerdict> outcome, ResilienceContext context) => outcome.Exception switch
    {
        null => outcome.Result switch
        {
            AttemptVerdict.Failure => true,
            AttemptVerdict.ClientAborted => NoVerdict(context),
            _ => false,
        },
        TimeoutRejectedException => true,
        BrokenCircuitException => false,
        // The total timeout ended the attempt; the client going away is its own fault and never counts.
        OperationCanceledException => ResilienceScope.From(context) is { } feature && (!feature.ClientAborted.IsCancellationRequested || NoVerdict(context)),
        _ => true,
    };

    /// <summary>Gives Polly no verdict on an attempt the client abandoned; see the remarks on the class.</summary>
    private bool NoVerdict(ResilienceContext context)
    {
        // Still half-open: an attempt begun before the break may have closed or reopened the circuit meanwhile.
        if (State == CircuitState.HalfOpen && context.Properties.TryGetValue(s_probeKey, out _))
        {
            context.Properties.Set(s_releaseKey, true);
            return true;
        }

        throw new OperationCanceledException(ResilienceScope.From(context)?.ClientAborted ?? context.CancellationToken);
    }

    // Called by Polly under its lock, before OnOpened: the circuit is still half-open when the probe failed.
    private TimeSpan NextBreak(ResilienceContext context)
    {
        if (context.Properties.TryGetValue(s_releaseKey, out _))
        {
            return TimeSpan.Zero;
        }

        var failedProbes = 0;
        if (State == CircuitState.HalfOpen)
        {
            failedProbes = Interlocked.Increment(ref _failedProbes);
        }
        else
        {
            Volatile.Write(ref _failedProbes, 0);
        }

        return BreakDurations.Next(_options.BreakDuration, _options.MaxBreakDuration, failedProbes);
    }

    private ValueTask Opened(TimeSpan breakDuration, ResilienceContext context, TimeProvider time)
    {
        if (context.Properties.TryGetValue(s_releaseKey, out _))
        {
            // Polly is "open until now": the next request through becomes the probe (its OnHalfOpened marks it).
            Volatile.Write(ref _probeOut, 0);
            _owner.ProbeReleased(this);
            return ValueTask.CompletedTask;
        }

        Volatile.Write(ref _openUntil, time.GetTimestamp() + (long)(breakDuration.TotalSeconds * time.TimestampFrequency));
        Volatile.Write(ref _openUntilUtcTicks, (time.GetUtcNow() + breakDuration).UtcTicks);
        var before = (CircuitState)Interlocked.Exchange(ref _state, (int)CircuitState.Open);
        _owner.Transitioned(this, before, CircuitState.Open, breakDuration);
        return ValueTask.CompletedTask;
    }

    private ValueTask HalfOpened(ResilienceContext probe)
    {
        // Polly awaits this before the probe runs, so the predicate sees the mark.
        probe.Properties.Set(s_probeKey, true);
        Volatile.Write(ref _probeOut, 1);
        var before = (CircuitState)Interlocked.Exchange(ref _state, (int)CircuitState.HalfOpen);
        _owner.Transitioned(this, before, CircuitState.HalfOpen, TimeSpan.Zero);
        return ValueTask.CompletedTask;
    }

    private ValueTask Closed()
    {
        Volatile.Write(ref _failedProbes, 0);
        var before = (CircuitState)Interlocked.Exchange(ref _state, (int)CircuitState.Closed);
        _owner.Transitioned(this, before, CircuitState.Closed, TimeSpan.Zero);
        return ValueTask.CompletedTask;
    }
}
