using Gateway.Configuration;
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
    ConfigSnapshotSource config,
    HealthMetrics metrics,
    TimeProvider time,
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

        var options = config.Current.Gateway.Health.OutlierDetection;
        var failures = Interlocked.Increment(ref state.ConsecutiveFailures);
        if (failures >= options.ConsecutiveFailures)
        {
            TryEject(cluster, destination, state, options, failures);
        }
    }

    private void TryEject(ClusterState cluster, DestinationState destination, OutlierState state, OutlierDetectionOptions options, int failures)
    {
        lock (state.Gate)
        {
            var now = time.GetTimestamp();
            if (state.EjectedUntil > now)
            {
                return;
            }

            var ejected = 0;
            foreach (var other in cluster.Destinations.Values)
            {
                if (!ReferenceEquals(other, destination) && tracker.IsEjected(other))
                {
                    ejected++;
                }
            }

            if (!EjectionMath.MayEject(ejected, cluster.Destinations.Count, options.MaxEjectionPercent))
            {
                metrics.EjectionSkipped(cluster.ClusterId);
                Log.EjectionCapped(logger, destination.DestinationId, cluster.ClusterId, ejected, cluster.Destinations.Count, options.MaxEjectionPercent);
                return;
            }

            if (state.EjectedUntil != 0 && EjectionMath.ShouldForgetEjections(options, time.GetElapsedTime(state.EjectedUntil, now)))
            {
                state.StreakEjections = 0;
            }

            state.StreakEjections++;
            state.TotalEjections++;
            var ejectionTime = EjectionMath.EjectionTime(options, state.StreakEjections);
            Volatile.Write(ref state.EjectedUntil, now + (long)(ejectionTime.TotalSeconds * time.TimestampFrequency));
            Volatile.Write(ref state.ConsecutiveFailures, 0);
            healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, ejectionTime);
            metrics.Ejected(cluster.ClusterId);
            Log.Ejected(logger, destination.DestinationId, cluster.ClusterId, ejectionTime, failures, state.StreakEjections);
        }
    }
}
