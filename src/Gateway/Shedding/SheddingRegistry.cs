using Gateway.Utilities;
using Gateway.Resilience;
using Yarp.ReverseProxy.Model;

namespace Gateway.Shedding;

/// <summary>
/// The admission state of each cluster, in a <see cref="ClusterStateCache{T}"/>: a reload that leaves
/// <c>Gateway:Shedding</c> unchanged keeps each cluster's learned limit, a changed one starts over from InitialLimit.
/// Requests admitted by a replaced shedder release into it.
/// </summary>
internal sealed class SheddingRegistry
{
    private readonly ClusterStateCache<ClusterShedder> _clusters;
    private readonly TimeProvider _time;
    private readonly FleetPacing _fleet;
    private readonly ILogger<SheddingRegistry> _logger;

    public SheddingRegistry(IConfigSource config, TimeProvider time, SheddingMetrics metrics, ResilienceRegistry resilience, FleetPacing fleet, ILogger<SheddingRegistry> logger)
    {
        _time = time;
        _fleet = fleet;
        _logger = logger;
        _clusters = new ClusterStateCache<ClusterShedder>(config, Build);
        metrics.Observe(this);
        resilience.ClusterRecovered += Restart;
    }

    /// <summary>Starts a cluster's limit over in slow start: it is back from an outage (every circuit was open).</summary>
    public void Restart(string clusterId)
    {
        foreach (var shedder in _clusters.All())
        {
            if (string.Equals(shedder.ClusterId, clusterId, StringComparison.Ordinal))
            {
                shedder.Limit.Restart();
                Log.LimitRestarted(_logger, clusterId, shedder.Options.InitialLimit);
            }
        }
    }

    /// <summary>The cluster's shedder now, or null when shedding is off.</summary>
    public ClusterShedder? Get(ClusterState cluster) => _clusters.Get(cluster);

    /// <summary>The shedder last built for the cluster, without looking at the config again (admin view).</summary>
    public ClusterShedder? Peek(ClusterState cluster) => _clusters.Peek(cluster);

    /// <summary>Every cluster's shedder, for metrics.</summary>
    public IEnumerable<ClusterShedder> All() => _clusters.All();

    private ClusterShedder? Build(ClusterState cluster, IAppliedConfig snapshot, ClusterShedder? previous)
    {
        var options = CappedByBulkhead(snapshot.Section<SheddingOptions>(), BulkheadOf(cluster, snapshot));
        if (!options.Enabled)
        {
            if (previous is not null)
            {
                Log.ShedderStopped(_logger, cluster.ClusterId);
            }

            return null;
        }

        if (previous is not null && previous.Options == options)
        {
            return previous;
        }

        Log.ShedderStarted(_logger, cluster.ClusterId, options.MinLimit, options.InitialLimit, options.MaxLimit);
        foreach (var (address, other) in SharedDestinations.Of(cluster.Model.Config, snapshot.Clusters))
        {
            Log.DestinationSharedWithCluster(_logger, cluster.ClusterId, address, other);
        }

        return new ClusterShedder(cluster.ClusterId, options, _time, options.SharedPacing ? _fleet.For(cluster.ClusterId) : null, _logger);
    }

    /// <summary>
    /// The shedding options for one cluster: its limit never above its bulkhead's <c>MaxConcurrentRequests</c>, so that
    /// under a storm admission refuses (first, by priority, with a paced Retry-After) rather than the bulkhead behind it
    /// refusing requests admission has already let in.
    /// </summary>
    internal static SheddingOptions CappedByBulkhead(SheddingOptions options, BulkheadOptions? bulkhead)
    {
        if (!options.Enabled || bulkhead is null || bulkhead.MaxConcurrentRequests >= options.MaxLimit)
        {
            return options;
        }

        var cap = bulkhead.MaxConcurrentRequests;
        return options with
        {
            MaxLimit = cap,
            MinLimit = Math.Min(options.MinLimit, cap),
            InitialLimit = Math.Min(options.InitialLimit, cap),
        };
    }

    private static BulkheadOptions? BulkheadOf(ClusterState cluster, IAppliedConfig snapshot) =>
        cluster.Model.Config.Metadata is { } metadata &&
        metadata.TryGetValue(ResilienceConstants.PolicyMetadataKey, out var name) &&
        snapshot.Section<ResilienceOptions>().Policies.TryGetValue(name, out var policy)
            ? policy.Bulkhead
            : null;
}
