using Yarp.ReverseProxy.Model;

namespace Gateway.Health;

/// <summary>
/// Panic mode, as Envoy's: when too few of the destinations that would carry traffic pass their health checks, the
/// checks are more likely wrong than the destinations, so traffic spreads over all of them rather than concentrate
/// on the few that pass (<c>Gateway:Health:PanicThreshold</c>). 0% healthy is panic too. A destination whose last
/// word was a refused connection is left out even then: traffic there would only fail.
/// </summary>
internal static class PanicMode
{
    /// <summary>The destinations panic may route to: <paramref name="all"/> but those refusing connections.</summary>
    public static List<DestinationState> Candidates(IReadOnlyList<DestinationState> all, ServingEvidence? evidence)
    {
        var candidates = new List<DestinationState>(all.Count);
        foreach (var destination in all)
        {
            if (evidence?.IsRefusing(destination) != true)
            {
                candidates.Add(destination);
            }
        }

        return candidates;
    }

    /// <summary>Whether the healthy share of the destinations that would carry traffic is under the threshold.</summary>
    public static bool Applies(int healthy, int total, double threshold) => total > 0 && healthy / (double)total < threshold;

    /// <summary>Whether panic covers the case where no destination is healthy at all (any threshold above 0).</summary>
    public static bool CoversNoneHealthy(double threshold) => threshold > 0;
}
