namespace Gateway.Failover;

internal static class FailoverConstants
{
    public const string PolicyMetadataKey = "FailoverPolicy";
    public const string RegionMetadataKey = "Region";
    public const double DefaultMinHealthyFraction = 0.5;
    public const double MinMinHealthyFraction = 0;
    public const double MaxMinHealthyFraction = 1;
    public static readonly TimeSpan DefaultFailbackDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultSlowStart = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinDelay = TimeSpan.Zero;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

    public const string DrainsRedisKey = "drains";

    // A drain from another instance arrives by pub/sub at once; the periodic reload catches what a disconnected
    // instance missed.
    public static readonly TimeSpan DrainResyncInterval = TimeSpan.FromSeconds(2);

    // Admin calls, not requests, wait on these; still bounded so a hung Redis cannot hang the admin API.
    public static readonly TimeSpan DrainRedisTimeout = TimeSpan.FromSeconds(1);

    // While a region or destination ramps up, its plan is rebuilt this often; between changes, never.
    public static readonly TimeSpan RampStep = TimeSpan.FromMilliseconds(100);
}
