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

    // A destination that served a request this recently is kept in rotation though its active probes failed: an
    // overloaded backend answers its queue before a probe behind it, so probes time out while traffic is served.
    // Long enough to outlast a probe round (YARP's default interval is 15 s, timeout 10 s, two failures to mark),
    // short enough that a destination that stopped serving leaves soon after its probes say so.
    public static readonly TimeSpan ServingEvidenceWindow = TimeSpan.FromSeconds(10);

    // While health rests on that evidence or on panic mode, the region plan is rebuilt this often to follow it.
    public static readonly TimeSpan EvidenceRecheck = TimeSpan.FromMilliseconds(250);
}
