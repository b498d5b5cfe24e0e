using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tests.Common;

/// <summary>YARP cluster state built in memory, for unit tests of the routing decisions (no listeners).</summary>
public static class TestClusters
{
    /// <param name="destinations">Destinations as <c>name@region</c>.</param>
    public static ClusterState Create(string failoverPolicy, params string[] destinations)
    {
        var config = new ClusterConfig
        {
            ClusterId = "api",
            Metadata = new Dictionary<string, string> { ["FailoverPolicy"] = failoverPolicy },
        };
        var cluster = new ClusterState("api", new ClusterModel(config, new HttpMessageInvoker(new SocketsHttpHandler())));
        foreach (var spec in destinations)
        {
            var at = spec.IndexOf('@', StringComparison.Ordinal);
            var name = spec[..at];
            var model = new DestinationModel(new DestinationConfig
            {
                Address = $"http://127.0.0.1/{name}",
                Metadata = new Dictionary<string, string> { ["Region"] = spec[(at + 1)..] },
            });
            cluster.Destinations.TryAdd(name, new DestinationState(name, model));
        }

        SetAvailable(cluster, [.. cluster.Destinations.Keys]);
        return cluster;
    }

    /// <summary>Replaces the cluster's available destinations, as YARP does after a health change.</summary>
    public static void SetAvailable(ClusterState cluster, params string[] available)
    {
        var all = cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal).ToList();
        var up = all.Where(d => available.Contains(d.DestinationId)).ToList();
        cluster.DestinationsState = new ClusterDestinationsState(all, up);
    }

    public static string[] Names(IReadOnlyList<DestinationState> destinations) =>
        [.. destinations.Select(d => d.DestinationId).Order(StringComparer.Ordinal)];
}
