namespace Gateway.Resilience;

/// <summary>Resilience policies: <c>Gateway:Resilience</c>.</summary>
public sealed record ResilienceOptions
{
    /// <summary>Named policies; names are case-insensitive.</summary>
    public IReadOnlyDictionary<string, ResiliencePolicyOptions> Policies { get; init; } =
        new Dictionary<string, ResiliencePolicyOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Retrying on another destination: the one immediate retry of clusters without a policy, and the body size any
    /// retry may buffer.
    /// </summary>
    public RetryOptions Retry { get; init; } = new();
}
