using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Model;

namespace Gateway.Utilities;

/// <summary>
/// Per-cluster state derived from the config snapshot, keyed weakly by YARP's <see cref="ClusterState"/> so a removed
/// cluster takes its state with it. A request reads the cached value after a revision check and a reference check of
/// the cluster's model; a new revision (or model) calls <c>build</c> once, under a lock, with the value built before,
/// which <c>build</c> returns as it is to keep its state across an unrelated reload. Values are never mutated here.
/// </summary>
internal sealed class ClusterStateCache<T>(IConfigSource config, Func<ClusterState, IAppliedConfig, T?, T?> build)
    where T : class
{
    private readonly ConditionalWeakTable<ClusterState, Entry> _clusters = new();
    private readonly Lock _rebuild = new();

    /// <summary>The cluster's value for the current snapshot.</summary>
    public T? Get(ClusterState cluster)
    {
        var snapshot = config.Current;
        return _clusters.TryGetValue(cluster, out var entry) && IsCurrent(entry, cluster, snapshot)
            ? entry.Value
            : Rebuild(cluster, snapshot);
    }

    /// <summary>The value last built for the cluster, without looking at the config again (admin view).</summary>
    public T? Peek(ClusterState cluster) => _clusters.TryGetValue(cluster, out var entry) ? entry.Value : null;

    /// <summary>Every cluster's value, for metrics.</summary>
    public IEnumerable<T> All()
    {
        foreach (var (_, entry) in _clusters)
        {
            if (entry.Value is { } value)
            {
                yield return value;
            }
        }
    }

    private static bool IsCurrent(Entry entry, ClusterState cluster, IAppliedConfig snapshot) =>
        entry.Revision == snapshot.Revision && ReferenceEquals(entry.Model, cluster.Model);

    private T? Rebuild(ClusterState cluster, IAppliedConfig snapshot)
    {
        lock (_rebuild)
        {
            _clusters.TryGetValue(cluster, out var old);
            if (old is not null && IsCurrent(old, cluster, snapshot))
            {
                return old.Value;
            }

            var value = build(cluster, snapshot, old?.Value);
            _clusters.AddOrUpdate(cluster, new Entry(snapshot.Revision, cluster.Model, value));
            return value;
        }
    }

    private sealed record Entry(long Revision, ClusterModel Model, T? Value);
}
