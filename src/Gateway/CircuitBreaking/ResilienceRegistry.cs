using System.Runtime.CompilerServices;
using Gateway.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.CircuitBreaking;

/// <summary>
/// The resilience policy of each cluster, keyed weakly by YARP's <see cref="ClusterState"/>. A request reads the
/// cached entry after two reference checks; a new config revision or cluster model looks again, keeps the built
/// policy when its options are unchanged (circuits keep their state across unrelated reloads) and builds a new one
/// when they changed. Built policies are never mutated.
/// </summary>
internal sealed class ResilienceRegistry
{
    private readonly ConditionalWeakTable<ClusterState, Entry> _clusters = new();
    private readonly Lock _rebuild = new();
    private readonly ConfigSnapshotSource _config;
    private readonly TimeProvider _time;
    private readonly ResilienceMetrics _metrics;
    private readonly ILogger<ResilienceRegistry> _logger;

    public ResilienceRegistry(ConfigSnapshotSource config, TimeProvider time, ResilienceMetrics metrics, ILogger<ResilienceRegistry> logger)
    {
        _config = config;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        metrics.ObserveCircuits(this);
    }

    /// <summary>The cluster's policy now, or null when its cluster names none.</summary>
    public ClusterResilience? Get(ClusterState cluster)
    {
        var snapshot = _config.Current;
        if (_clusters.TryGetValue(cluster, out var entry) && entry.Revision == snapshot.Revision && ReferenceEquals(entry.Model, cluster.Model))
        {
            return entry.Resilience;
        }

        return Rebuild(cluster, snapshot);
    }

    /// <summary>The policy last built for the cluster, without looking at the config again (admin view).</summary>
    public ClusterResilience? Peek(ClusterState cluster) => _clusters.TryGetValue(cluster, out var entry) ? entry.Resilience : null;

    /// <summary>Every cluster's current policy, for metrics.</summary>
    public IEnumerable<ClusterResilience> All()
    {
        foreach (var (_, entry) in _clusters)
        {
            if (entry.Resilience is { } resilience)
            {
                yield return resilience;
            }
        }
    }

    private ClusterResilience? Rebuild(ClusterState cluster, ConfigSnapshot snapshot)
    {
        lock (_rebuild)
        {
            var model = cluster.Model;
            _clusters.TryGetValue(cluster, out var old);
            if (old is not null && old.Revision == snapshot.Revision && ReferenceEquals(old.Model, model))
            {
                return old.Resilience;
            }

            ClusterResilience? resilience = null;
            if (model.Config.Metadata is { } metadata &&
                metadata.TryGetValue(ResilienceConstants.PolicyMetadataKey, out var name) &&
                snapshot.Gateway.Resilience.Policies.TryGetValue(name, out var options))
            {
                var previous = old?.Resilience;
                if (previous is not null && string.Equals(previous.PolicyName, name, StringComparison.OrdinalIgnoreCase) && previous.Options == options)
                {
                    resilience = previous;
                }
                else
                {
                    resilience = new ClusterResilience(cluster.ClusterId, name, options, _time, _metrics, _logger);
                    if (previous is not null)
                    {
                        Log.PolicyRebuilt(_logger, cluster.ClusterId, name);
                    }
                }
            }

            _clusters.AddOrUpdate(cluster, new Entry(snapshot.Revision, model, resilience));
            return resilience;
        }
    }

    private sealed record Entry(long Revision, ClusterModel Model, ClusterResilience? Resilience);
}
