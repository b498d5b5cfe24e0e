using Gateway.Utilities;
using Yarp.ReverseProxy.Model;

namespace Gateway.Resilience;

/// <summary>
/// The resilience policy of each cluster, keyed weakly by YARP's <see cref="ClusterState"/>. A request reads the
/// cached entry after two reference checks; a new config revision or cluster model looks again, keeps the built
/// policy when its options are unchanged (circuits keep their state across unrelated reloads) and builds a new one
/// when they changed. Built policies are never mutated.
/// </summary>
internal sealed class ResilienceRegistry
{
    private readonly ClusterStateCache<ClusterResilience> _clusters;
    private readonly TimeProvider _time;
    private readonly ResilienceMetrics _metrics;
    private readonly ILogger<ResilienceRegistry> _logger;

    public ResilienceRegistry(IConfigSource config, TimeProvider time, ResilienceMetrics metrics, ILogger<ResilienceRegistry> logger)
    {
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _clusters = new ClusterStateCache<ClusterResilience>(config, Build);
        metrics.ObserveCircuits(this);
    }

    /// <summary>Raised with the cluster id when every circuit of a cluster was open and one closed again.</summary>
    public event Action<string>? ClusterRecovered;

    /// <summary>The cluster's policy now, or null when its cluster names none.</summary>
    public ClusterResilience? Get(ClusterState cluster) => _clusters.Get(cluster);

    /// <summary>The policy last built for the cluster, without looking at the config again (admin view).</summary>
    public ClusterResilience? Peek(ClusterState cluster) => _clusters.Peek(cluster);

    /// <summary>Every cluster's current policy, for metrics.</summary>
    public IEnumerable<ClusterResilience> All() => _clusters.All();

    private ClusterResilience? Build(ClusterState cluster, IAppliedConfig snapshot, ClusterResilience? previous)
    {
        if (cluster.Model.Config.Metadata is not { } metadata ||
            !metadata.TryGetValue(ResilienceConstants.PolicyMetadataKey, out var name) ||
            !snapshot.Section<ResilienceOptions>().Policies.TryGetValue(name, out var options))
        {
            return null;
        }

        if (previous is not null && string.Equals(previous.PolicyName, name, StringComparison.OrdinalIgnoreCase) && previous.Options == options)
        {
            return previous;
        }

        var resilience = new ClusterResilience(cluster.ClusterId, name, options, _time, _metrics, _logger);
        resilience.RecoveredFromOutage += clusterId => ClusterRecovered?.Invoke(clusterId);
        if (previous is not null)
        {
            Log.PolicyRebuilt(_logger, cluster.ClusterId, name);
        }

        return resilience;
    }
}
