using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Gateway.Health;

/// <summary>
/// Wraps each of YARP's active health check policies: before the policy judges a round of probes, a probe that was
/// refused tells <see cref="ServingEvidence"/> the destination refuses connections, one that got any answer that it
/// takes them. The wrapped policy's verdict is unchanged; a probe that timed out tells nothing either way.
/// </summary>
internal sealed class ProbeEvidencePolicy(IActiveHealthCheckPolicy inner, ServingEvidence evidence) : IActiveHealthCheckPolicy
{
    public string Name => inner.Name;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        foreach (var result in probingResults)
        {
            if (result.Response is not null)
            {
                evidence.Reached(result.Destination);
            }
            else if (result.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                evidence.Refused(result.Destination);
            }
        }

        inner.ProbingCompleted(cluster, probingResults);
    }
}
