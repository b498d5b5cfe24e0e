using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Yarp.ReverseProxy.Model;

namespace Gateway.CircuitBreaking;

/// <summary>
/// One destination's attempt pipeline (circuit breaker around the attempt timeout) and a lock-free mirror of its
/// circuit state, which the filter before load balancing reads without touching Polly's lock.
/// </summary>
internal sealed class DestinationCircuit
{
    private readonly ClusterResilience _owner;
    private readonly CircuitBreakerOptions _options;
    private int _state = (int)CircuitState.Closed;
    private long _openUntil;
    private long _openUntilUtcTicks;
    private int _failedProbes;

    public DestinationCircuit(ClusterResilience owner, DestinationState destination, TimeProvider time)
    {
        _owner = owner;
        _options = owner.Options.CircuitBreaker;
        DestinationId = destination.DestinationId;
        var builder = new ResiliencePipelineBuilder<bool> { TimeProvider = time, Name = owner.ClusterId };
        if (_options.Enabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<bool>
            {
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                BreakDurationGenerator = _ => new ValueTask<TimeSpan>(NextBreak()),
                ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is null ? args.Outcome.Result : IsFailure(args.Outcome.Exception, args.Context)),
                OnOpened = args => Opened(args.BreakDuration, time),
                OnHalfOpened = _ => HalfOpened(),
                OnClosed = _ => Closed(),
            });
        }

        if (owner.Options.AttemptTimeout is not null)
        {
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                // Polly refuses timeouts under 10 ms in its options; the generator is not bound by that.
                Timeout = TimeSpan.FromSeconds(1),
                TimeoutGenerator = static args => new ValueTask<TimeSpan>(
                    ResilienceFeature.From(args.Context) is { Unbounded: true } ? System.Threading.Timeout.InfiniteTimeSpan : AttemptTimeoutOf(args.Context)),
            });
        }

        Pipeline = builder.Build();
    }

    public string DestinationId { get; }

    /// <summary>Breaker (outer) and attempt timeout (inner): a timed-out attempt counts as a failure.</summary>
    public ResiliencePipeline<bool> Pipeline { get; }

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
            CircuitState.HalfOpen or CircuitState.Isolated => true,
            _ => false,
        };
    }

    private static TimeSpan AttemptTimeoutOf(ResilienceContext context) =>
        ResilienceFeature.From(context)?.Cluster.Options.AttemptTimeout ?? System.Threading.Timeout.InfiniteTimeSpan;

    private static bool IsFailure(Exception exception, ResilienceContext context) => exception switch
    {
        TimeoutRejectedException => true,
        BrokenCircuitException => false,
        // The total timeout ended the attempt; the client going away is its own fault and never counts.
        OperationCanceledException => ResilienceFeature.From(context) is { } feature && !feature.ClientAborted.IsCancellationRequested,
        _ => true,
    };

    // Called by Polly under its lock, before OnOpened: the circuit is still half-open when the probe failed.
    private TimeSpan NextBreak()
    {
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

    private ValueTask Opened(TimeSpan breakDuration, TimeProvider time)
    {
        Volatile.Write(ref _openUntil, time.GetTimestamp() + (long)(breakDuration.TotalSeconds * time.TimestampFrequency));
        Volatile.Write(ref _openUntilUtcTicks, (time.GetUtcNow() + breakDuration).UtcTicks);
        var before = (CircuitState)Interlocked.Exchange(ref _state, (int)CircuitState.Open);
        _owner.Transitioned(this, before, CircuitState.Open, breakDuration);
        return ValueTask.CompletedTask;
    }

    private ValueTask HalfOpened()
    {
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
