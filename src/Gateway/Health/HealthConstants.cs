namespace Gateway.Health;

internal static class HealthConstants
{
    public const string OutlierDetectionPolicyName = "OutlierDetection";
    public const int DefaultConsecutiveFailures = 5;
    public const double DefaultEjectionTimeMultiplier = 2;
    public const int DefaultMaxEjectionPercent = 50;
    public const double DefaultPanicThreshold = 0.5;
    public static readonly TimeSpan DefaultBaseEjectionTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultMaxEjectionTime = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan MinEjectionTime = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxEjectionTimeLimit = TimeSpan.FromHours(1);
}
