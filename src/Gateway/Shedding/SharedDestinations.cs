using Yarp.ReverseProxy.Configuration;

namespace Gateway.Shedding;

/// <summary>
/// Backend addresses a cluster shares with other clusters. Each cluster learns its own limit and orders only its own
/// requests by priority, so two clusters in front of one instance each read the other's load as their backend being
/// slow, and one cluster's sheddable calls can crowd out the other's critical ones (the demo's storm did that before
/// its routes shared one cluster). Worth a warning, not an error: clusters with different policies on one backend are
/// legitimate.
/// </summary>
internal static class SharedDestinations
{
    public static IEnumerable<(string Address, string OtherCluster)> Of(ClusterConfig cluster, IReadOnlyList<ClusterConfig> all)
    {
        if (cluster.Destinations is not { Count: > 0 } mine)
        {
            yield break;
        }

        foreach (var other in all)
        {
            if (string.Equals(other.ClusterId, cluster.ClusterId, StringComparison.Ordinal) ||
                other.Destinations is not { Count: > 0 } theirs)
            {
                continue;
            }

            foreach (var destination in mine.Values)
            {
                if (theirs.Values.Any(d => SameAddress(d.Address, destination.Address)))
                {
                    yield return (destination.Address, other.ClusterId);
                    break;
                }
            }
        }
    }

    private static bool SameAddress(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
