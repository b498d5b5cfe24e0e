namespace Gateway.Telemetry;

internal static class TrafficStatsConstants
{
    // Five minutes is what an operator looks back over during an incident; longer belongs to Prometheus.
    public const int WindowSeconds = 300;

    // Slots ahead of "now" are cleared by the tick before any request can write to them; the spare slots keep a
    // late tick from handing a request a slot that still holds a reading from five minutes ago.
    public const int SpareSlots = 4;

    public const string AdminListener = "admin";

    /// <summary>Upper bounds of the latency histogram, in milliseconds; roughly 1-2-3-5 per decade.</summary>
    public static readonly double[] LatencyBoundsMs =
    [
        0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750,
        1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 30_000, 60_000,
    ];

    /// <summary>Reasons counted one by one; any other <c>X-Gateway-Reason</c> value counts as <c>other</c>.</summary>
    public static readonly string[] Reasons =
    [
        GatewayReason.RateLimited,
        GatewayReason.Overloaded,
        GatewayReason.CircuitOpen,
        GatewayReason.NoHealthyDestination,
        GatewayReason.UpstreamTimeout,
        GatewayReason.UpstreamUnreachable,
        "other",
    ];
}
