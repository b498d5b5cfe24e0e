namespace Gateway.Shedding;

internal static class SheddingConstants
{
    public const string SectionPath = "Gateway:Shedding";

    public const string PriorityMetadataKey = "Priority";
    public const string Critical = "critical";
    public const string Default = "default";
    public const string Sheddable = "sheddable";

    public const int DefaultMinLimit = 4;
    public const int DefaultMaxLimit = 1000;
    public const int DefaultInitialLimit = 20;
    public const int LimitFloor = 1;
    public const int LimitCeiling = 100_000;
    public const int DefaultQueueLimit = 100;
    public const int MinQueueLimit = 0;
    public const int MaxQueueLimit = 100_000;

    // A queue exists to absorb jitter between completions, not to hold a backlog: past a few tens of
    // milliseconds the wait only adds latency to a request that the limit says the backend cannot take now.
    public static readonly TimeSpan DefaultQueueTimeout = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MinQueueTimeout = TimeSpan.Zero;
    public static readonly TimeSpan MaxQueueTimeout = TimeSpan.FromSeconds(10);

    // CoDel's own defaults (RFC 8289): a queue may add 5 ms of delay for good; one that has not emptied for 100 ms is
    // standing, not absorbing a burst.
    public static readonly TimeSpan DefaultStandingQueueWait = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan DefaultStandingQueueInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinStandingQueueInterval = TimeSpan.FromMilliseconds(1);

    public const double DefaultCriticalReservedFraction = 0.2;
    public const double MinCriticalReservedFraction = 0;
    public const double MaxCriticalReservedFraction = 0.9;
    // Work-conserving: sheddable requests may use what default ones may. They are shed first by being refused on
    // arrival whenever anyone else waits and by getting freed slots last; a fixed half share measured idle backend
    // capacity behind thousands of queued heartbeats once a storm's bootstraps were done.
    public const double DefaultSheddableFraction = 1.0;
    public const double MinSheddableFraction = 0;
    public const double MaxSheddableFraction = 1;

    // Gradient2's default: latency may reach 1.5 times the baseline before the limit shrinks, so that ordinary
    // jitter does not make it oscillate, while the backend's own queue stays short.
    public const double DefaultTolerance = 1.5;
    public const double MinTolerance = 1;
    public const double MaxTolerance = 10.0;
    public const double DefaultSmoothing = 0.2;

    // A smoothing of 0 would never move the limit, so the range excludes it.
    public const double SmoothingAbove = 0;
    public const double MaxSmoothing = 1;

    public static readonly TimeSpan DefaultSampleWindow = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinSampleWindow = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxSampleWindow = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultBaselineWindow = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxBaselineWindow = TimeSpan.FromHours(1);

    public const int DefaultRetryAfterMinSeconds = 1;
    public const int DefaultRetryAfterMaxSeconds = 30;
    public const int MinRetryAfterSeconds = 0;
    public const int MaxRetryAfterSeconds = 600;

    // Samples fewer than this in a window say more about one request than about the cluster.
    public const int MinSamplesPerWindow = 3;
}
