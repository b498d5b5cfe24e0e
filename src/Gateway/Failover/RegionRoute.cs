using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>One region of a <see cref="RegionPlan"/>: its share of traffic and the destinations it may use.</summary>
internal sealed class RegionRoute
{
    /// <summary>The region's name; empty for a cluster without a failover policy (one region of everything).</summary>
    public required string Name { get; init; }

    /// <summary>Share of the cluster's traffic, 0 to 1.</summary>
    public required double Load { get; init; }

    /// <summary>The capacity the region is credited with now (after failback delay and slow start), 0 to 1.</summary>
    public required double Capacity { get; init; }

    public required int Healthy { get; init; }

    public required int Total { get; init; }

    public required bool Drained { get; init; }

    /// <summary>Waiting out its failback delay or ramping up its share.</summary>
    public required bool Recovering { get; init; }

    /// <summary>What a request sent to this region may use: its healthy destinations, or all of them in panic.</summary>
    public required DestinationState[] Full { get; init; }

    /// <summary><see cref="Full"/> without destinations still in slow start; the same array when there are none.</summary>
    public required DestinationState[] Settled { get; init; }

    /// <summary>How often a request may use the slow-starting destinations too (their ramp, 0 to 1).</summary>
    public required double ReturningWeight { get; init; }

    /// <summary>Healthy destinations of the other, undrained regions in order of preference: where a retry goes.</summary>
    public required DestinationState[] Others { get; init; }

    /// <summary>The spill-over state for requests sent here from a saturated region, made once per plan.</summary>
    public RegionSpill? Spill { get; set; }
}
