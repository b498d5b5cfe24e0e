using System.Collections.Frozen;

namespace Gateway.RateLimiting;

/// <summary>
/// The rate-limit side of one configuration snapshot: each limited route's policy and partitioning.
/// Immutable; replaced whole on reload.
/// </summary>
internal sealed class RateLimitingTable
{
    public RateLimitingTable(
        long revision,
        FrozenDictionary<string, RouteRateLimit> routes,
        IReadOnlyDictionary<string, IRateLimitPolicy> policies)
    {
        Revision = revision;
        Routes = routes;
        Policies = policies;
    }

    public static RateLimitingTable Empty { get; } = new(0, FrozenDictionary<string, RouteRateLimit>.Empty, new Dictionary<string, IRateLimitPolicy>());

    public long Revision { get; }

    /// <summary>By route id (case-insensitive, as YARP's are).</summary>
    public FrozenDictionary<string, RouteRateLimit> Routes { get; }

    /// <summary>By policy name.</summary>
    public IReadOnlyDictionary<string, IRateLimitPolicy> Policies { get; }
}

/// <summary>A route's policy and how it partitions requests.</summary>
internal sealed record RouteRateLimit(IRateLimitPolicy Policy, PartitionKey Partition, string QuotedName, RateLimitDecisionCounts Decisions)
{
    /// <summary><see cref="QuotedName"/> and <c>;r=</c>, what every <c>RateLimit</c> header of the route starts with.</summary>
    public string RemainingPrefix { get; } = RateLimitHeaders.RemainingPrefix(QuotedName);
}
