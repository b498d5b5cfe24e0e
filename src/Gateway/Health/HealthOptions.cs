namespace Gateway.Health;

/// <summary>Health settings shared by all clusters: <c>Gateway:Health</c>.</summary>
public sealed record HealthOptions
{
    /// <summary>Passive outlier ejection.</summary>
    public OutlierDetectionOptions OutlierDetection { get; init; } = new();

    /// <summary>
    /// When the healthy share of the destinations left to carry traffic (after region failover) falls below this,
    /// zero included, traffic goes to all of them but those refusing connections, rather than overloading the few
    /// left or refusing everyone. Default 0.5, range 0 to 1 (0 turns panic mode off).
    /// </summary>
    public double PanicThreshold { get; init; } = HealthConstants.DefaultPanicThreshold;
}
