namespace Gateway.CircuitBreaking;

/// <summary>Resilience policies: <c>Gateway:Resilience</c>.</summary>
public sealed record ResilienceOptions
{
    /// <summary>Named policies; names are case-insensitive.</summary>
    public IReadOnlyDictionary<string, ResiliencePolicyOptions> Policies { get; init; } =
        new Dictionary<string, ResiliencePolicyOptions>(StringComparer.OrdinalIgnoreCase);
}
