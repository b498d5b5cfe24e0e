namespace Gateway.Health;

/// <summary>Health settings shared by all clusters: <c>Gateway:Health</c>.</summary>
public sealed record HealthOptions
{
    /// <summary>Passive outlier ejection.</summary>
    public OutlierDetectionOptions OutlierDetection { get; init; } = new();

    /// <summary>
    /// When the healthy share of the destinations left to carry traffic (after region failover) falls below this,
    /// but above zero, traffic goes to all of them rather than overloading the few left. Default 0.5, range 0 to 1
    /// (0 turns panic mode off).
    /// </summary>
    public double PanicThreshold { get; init; } = HealthConstants.DefaultPanicThreshold;
}
