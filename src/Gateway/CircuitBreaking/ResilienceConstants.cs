namespace Gateway.CircuitBreaking;

internal static class ResilienceConstants
{
    public const string PolicyMetadataKey = "ResiliencePolicy";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);
}
