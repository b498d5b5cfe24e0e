using Gateway.Resilience;
using Gateway.Configuration;
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
    private readonly ILogger<SheddingRegistry> _logger;

    public SheddingRegistry(ConfigSnapshotSource config, TimeProvider time, SheddingMetrics metrics, ResilienceRegistry resilience, ILogger<SheddingRegistry> logger)
    {
        _time = time;
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

    private ClusterShedder? Build(ClusterState cluster, ConfigSnapshot snapshot, ClusterShedder? previous)
    {
        var options = snapshot.Gateway.Shedding;
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
        return new ClusterShedder(cluster.ClusterId, options, _time);
    }
}
