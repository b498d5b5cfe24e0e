namespace Gateway.Failover;

/// <summary>Regional failover: <c>Gateway:Failover</c>.</summary>
public sealed record FailoverOptions
{
    /// <summary>Named policies; names are case-insensitive.</summary>
    public IReadOnlyDictionary<string, FailoverPolicyOptions> Policies { get; init; } =
        new Dictionary<string, FailoverPolicyOptions>(StringComparer.OrdinalIgnoreCase);
}
