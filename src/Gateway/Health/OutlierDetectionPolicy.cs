using Gateway.Utilities;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Gateway.Health;

/// <summary>
/// YARP passive health policy <c>OutlierDetection</c>: ejects a destination after consecutive destination failures
/// for a time that grows with each ejection in a row, never ejecting more than the configured share of a cluster.
/// YARP's own reactivation brings the destination back when the ejection time is over.
/// </summary>
internal sealed class OutlierDetectionPolicy(
    OutlierTracker tracker,
    IDestinationHealthUpdater healthUpdater,
    IConfigSource config,
    HealthMetrics metrics,
    ILogger<OutlierDetectionPolicy> logger) : IPassiveHealthCheckPolicy
{
    public string Name => HealthConstants.OutlierDetectionPolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var state = tracker.Get(destination);
        if (!FailureClassifier.IsDestinationFailure(context))
        {
            // A success resets the streak; a client's own fault says nothing about the destination.
            if (context.Response.StatusCode < 500 && !context.RequestAborted.IsCancellationRequested)
            {
                Volatile.Write(ref state.ConsecutiveFailures, 0);
            }

            return;
        }

        var options = config.Current.Section<HealthOptions>().OutlierDetection;
        var failures = Interlocked.Increment(ref state.ConsecutiveFailures);
        if (failures >= options.ConsecutiveFailures)
        {
            TryEject(cluster, destination, options, failures);
        }
    }

    private void TryEject(ClusterState cluster, DestinationState destination, OutlierDetectionOptions options, int failures)
    {
        var decision = tracker.TryEject(cluster, destination, options);
        switch (decision.Outcome)
        {
            case EjectionOutcome.Capped:
                metrics.EjectionSkipped(cluster.ClusterId);
                Log.EjectionCapped(logger, destination.DestinationId, cluster.ClusterId, decision.OthersEjected, cluster.Destinations.Count, options.MaxEjectionPercent);
                return;
            case EjectionOutcome.Ejected:
                healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, decision.EjectionTime);
                metrics.Ejected(cluster.ClusterId);
                Log.Ejected(logger, destination.DestinationId, cluster.ClusterId, decision.EjectionTime, failures, decision.StreakEjections);
                return;
        }
    }
}
