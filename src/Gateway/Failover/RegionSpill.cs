using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>
/// Per-request state from admission to region choice: the preferred region is saturated, so this request goes to
/// these destinations of a region with room instead of waiting for a slot.
/// </summary>
internal sealed class RegionSpill(DestinationState[] destinations)
{
    public DestinationState[] Destinations { get; } = destinations;
}
