namespace Gateway.Failover;

/// <summary>
/// A named regional failover policy: <c>Gateway:Failover:Policies:&lt;name&gt;</c>, referenced by a cluster's
/// <c>Metadata.FailoverPolicy</c>.
/// </summary>
public sealed record FailoverPolicyOptions
{
    /// <summary>The regions in order of preference, most preferred first. Required, at least one, no duplicates.</summary>
    public IReadOnlyList<string> Regions { get; init; } = [];

    /// <summary>Below this healthy share a region spills traffic to the next one. Default 0.5, range 0 to 1.</summary>
    public double MinHealthyFraction { get; init; } = FailoverConstants.DefaultMinHealthyFraction;

    /// <summary>How long a region must stay healthy before traffic returns. Default 30 s, range 0 to 1 h.</summary>
    public TimeSpan FailbackDelay { get; init; } = FailoverConstants.DefaultFailbackDelay;

    /// <summary>How long a returning destination or region ramps up its share. Default 30 s, range 0 to 1 h.</summary>
    public TimeSpan SlowStart { get; init; } = FailoverConstants.DefaultSlowStart;
}
