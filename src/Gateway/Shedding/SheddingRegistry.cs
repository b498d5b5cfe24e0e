using System.Runtime.CompilerServices;
using Gateway.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Shedding;

/// <summary>
/// The admission state of each cluster, keyed weakly by YARP's <see cref="ClusterState"/>. A request reads the cached
/// entry after a revision check; a reload that leaves <c>Gateway:Shedding</c> unchanged keeps each cluster's learned
/// limit, a changed one starts over from InitialLimit. Requests admitted by a replaced shedder release into it.
/// </summary>
internal sealed class SheddingRegistry
{
    private readonly ConditionalWeakTable<ClusterState, Entry> _clusters = new();
    private readonly Lock _rebuild = new();
    private readonly ConfigSnapshotSource _config;
    private readonly TimeProvider _time;
    private readonly ILogger<SheddingRegistry> _logger;

    public SheddingRegistry(ConfigSnapshotSource config, TimeProvider time, SheddingMetrics metrics, ILogger<SheddingRegistry> logger)
    {
        _config = config;
        _time = time;
        _logger = logger;
        metrics.Observe(this);
    }

    /// <summary>The cluster's shedder now, or null when shedding is off.</summary>
    public ClusterShedder? Get(ClusterState cluster)
    {
        var snapshot = _config.Current;
        if (_clusters.TryGetValue(cluster, out var entry) && entry.Revision == snapshot.Revision)
        {
            return entry.Shedder;
        }

        return Rebuild(cluster, snapshot);
    }

    /// <summary>The shedder last built for the cluster, without looking at the config again (admin view).</summary>
    public ClusterShedder? Peek(ClusterState cluster) => _clusters.TryGetValue(cluster, out var entry) ? entry.Shedder : null;

    /// <summary>Every cluster's shedder, for metrics.</summary>
    public IEnumerable<ClusterShedder> All()
    {
        foreach (var (_, entry) in _clusters)
        {
            if (entry.Shedder is { } shedder)
            {
                yield return shedder;
            }
        }
    }

    private ClusterShedder? Rebuild(ClusterState cluster, ConfigSnapshot snapshot)
    {
        lock (_rebuild)
        {
            _clusters.TryGetValue(cluster, out var old);
            if (old is not null && old.Revision == snapshot.Revision)
            {
                return old.Shedder;
            }

            var options = snapshot.Gateway.Shedding;
            ClusterShedder? shedder = null;
            if (options.Enabled)
            {
                if (old?.Shedder is { } previous && previous.Options == options)
                {
                    shedder = previous;
                }
                else
                {
                    shedder = new ClusterShedder(cluster.ClusterId, options, _time);
                    Log.ShedderStarted(_logger, cluster.ClusterId, options.MinLimit, options.InitialLimit, options.MaxLimit);
                }
            }
            else if (old?.Shedder is not null)
            {
                Log.ShedderStopped(_logger, cluster.ClusterId);
            }

            _clusters.AddOrUpdate(cluster, new Entry(snapshot.Revision, shedder));
            return shedder;
        }
    }

    private sealed record Entry(long Revision, ClusterShedder? Shedder);
}
