namespace Gateway.Health;

/// <summary>
/// Passive outlier ejection, like Envoy's outlier detection: <c>Gateway:Health:OutlierDetection</c>. Applies to every
/// cluster whose passive health check is enabled with policy <c>OutlierDetection</c> (the gateway's default).
/// </summary>
public sealed record OutlierDetectionOptions
{
    /// <summary>Consecutive failures (5xx, connect errors, resets, timeouts) that eject a destination. Default 5, range 1 to 1000.</summary>
    public int ConsecutiveFailures { get; init; } = HealthConstants.DefaultConsecutiveFailures;

    /// <summary>Ejection time of a first ejection. Default 30 s, range 100 ms to 1 h.</summary>
    public TimeSpan BaseEjectionTime { get; init; } = HealthConstants.DefaultBaseEjectionTime;

    /// <summary>Each repeated ejection lasts this many times the one before. Default 2, range 1 to 10.</summary>
    public double EjectionTimeMultiplier { get; init; } = HealthConstants.DefaultEjectionTimeMultiplier;

    /// <summary>The longest an ejection lasts. Default 300 s, range <see cref="BaseEjectionTime"/> to 1 h.</summary>
    public TimeSpan MaxEjectionTime { get; init; } = HealthConstants.DefaultMaxEjectionTime;

    /// <summary>
    /// The largest share of a cluster's destinations that may be ejected at once, in percent, so a false alarm
    /// cannot empty a cluster. Default 50, range 0 to 100.
    /// </summary>
    public int MaxEjectionPercent { get; init; } = HealthConstants.DefaultMaxEjectionPercent;
}
