namespace Gateway.Health;

internal static class HealthConstants
{
    public const string OutlierDetectionPolicyName = "OutlierDetection";
    public const int DefaultConsecutiveFailures = 5;
    public const int MinConsecutiveFailures = 1;
    public const int MaxConsecutiveFailures = 1000;
    public const double DefaultEjectionTimeMultiplier = 2;
    public const double MinEjectionTimeMultiplier = 1;
    public const double MaxEjectionTimeMultiplier = 10;
    public const int DefaultMaxEjectionPercent = 50;
    public const int MinEjectionPercent = 0;
    public const int MaxEjectionPercentLimit = 100;
    public const double DefaultPanicThreshold = 0.5;
    public const double MinPanicThreshold = 0;
    public const double MaxPanicThreshold = 1;
    public static readonly TimeSpan DefaultBaseEjectionTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultMaxEjectionTime = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan MinEjectionTime = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxEjectionTimeLimit = TimeSpan.FromHours(1);

    // A destination that served a request this recently is kept in rotation though its active probes failed: an
    // overloaded backend answers its queue before a probe behind it, so probes time out while traffic is served.
    // Long enough to outlast a probe round (YARP's default interval is 15 s, timeout 10 s, two failures to mark),
    // short enough that a destination that stopped serving leaves soon after its probes say so.
    public static readonly TimeSpan ServingEvidenceWindow = TimeSpan.FromSeconds(10);

    // While health rests on that evidence or on panic mode, the region plan is rebuilt this often to follow it.
    public static readonly TimeSpan EvidenceRecheck = TimeSpan.FromMilliseconds(250);
}
