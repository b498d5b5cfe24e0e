namespace Gateway.Failover;

internal static class FailoverConstants
{
    public const string PolicyMetadataKey = "FailoverPolicy";
    public const string RegionMetadataKey = "Region";
    public const double DefaultMinHealthyFraction = 0.5;
    public static readonly TimeSpan DefaultFailbackDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultSlowStart = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);
}
