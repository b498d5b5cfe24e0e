namespace Gateway.Resilience;

/// <summary>
/// A circuit breaker per destination: <c>Gateway:Resilience:Policies:&lt;name&gt;:CircuitBreaker</c>. Failures are
/// the listed statuses, connect errors, resets and timeouts; a client's own fault (it went away, sent a broken body)
/// never counts. While a destination's circuit is open, load balancing skips it.
/// </summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Whether destinations get a circuit breaker. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The failure share within <see cref="SamplingDuration"/> that opens the circuit. Default 0.5, range above 0 to 1.</summary>
    public double FailureRatio { get; init; } = ResilienceConstants.DefaultFailureRatio;

    /// <summary>Requests needed within <see cref="SamplingDuration"/> before the ratio counts. Default 20, range 2 to 100000.</summary>
    public int MinimumThroughput { get; init; } = ResilienceConstants.DefaultMinimumThroughput;

    /// <summary>The sliding window the failure ratio is measured over. Default 10 s, range 500 ms to 1 h.</summary>
    public TimeSpan SamplingDuration { get; init; } = ResilienceConstants.DefaultSamplingDuration;

    /// <summary>How long a circuit stays open before one probe may go through. Default 5 s, range 500 ms to 1 h.</summary>
    public TimeSpan BreakDuration { get; init; } = ResilienceConstants.DefaultBreakDuration;

    /// <summary>
    /// The break doubles each time the half-open probe fails, up to this. Default 60 s, range
    /// <see cref="BreakDuration"/> to 1 h.
    /// </summary>
    public TimeSpan MaxBreakDuration { get; init; } = ResilienceConstants.DefaultMaxBreakDuration;

    /// <summary>Backend statuses that count as failures. Default 500, 502, 503, 504; each 500 to 599.</summary>
    public IReadOnlyList<int>? FailureStatusCodes { get; init; }

    /// <summary>The effective <see cref="FailureStatusCodes"/>.</summary>
    internal IReadOnlyList<int> EffectiveFailureStatusCodes => FailureStatusCodes ?? ResilienceConstants.DefaultFailureStatusCodes;

    public bool Equals(CircuitBreakerOptions? other) =>
        other is not null &&
        Enabled == other.Enabled &&
        FailureRatio.Equals(other.FailureRatio) &&
        MinimumThroughput == other.MinimumThroughput &&
        SamplingDuration == other.SamplingDuration &&
        BreakDuration == other.BreakDuration &&
        MaxBreakDuration == other.MaxBreakDuration &&
        EffectiveFailureStatusCodes.SequenceEqual(other.EffectiveFailureStatusCodes);

    public override int GetHashCode() => HashCode.Combine(Enabled, FailureRatio, MinimumThroughput, SamplingDuration, BreakDuration, MaxBreakDuration);
}
