namespace Gateway.CircuitBreaking;

/// <summary>
/// A named resilience policy: <c>Gateway:Resilience:Policies:&lt;name&gt;</c>, referenced by a cluster's
/// <c>Metadata.ResiliencePolicy</c>.
/// </summary>
public sealed record ResiliencePolicyOptions
{
    /// <summary>Total time for a proxied request, retries included. Default 30 s, range 1 ms to 10 min.</summary>
    public TimeSpan Timeout { get; init; } = ResilienceConstants.DefaultTimeout;

    /// <summary>Time for one attempt; must not exceed <see cref="Timeout"/>. Default none (the total applies).</summary>
    public TimeSpan? AttemptTimeout { get; init; }
}
