namespace Gateway.Resilience;

internal static class ResilienceConstants
{
    public const string PolicyMetadataKey = "ResiliencePolicy";

    public const long DefaultMaxBufferedBodySize = 64 * 1024;
    public const long MinBufferedBodySize = 0;
    public const long MaxBufferedBodySizeLimit = 10 * 1024 * 1024;

    /// <summary>Route metadata key that overrides the cluster policy's <c>Timeout</c> for one route.</summary>
    public const string RouteTimeoutMetadataKey = "Timeout";

    /// <summary>Request header carrying the remaining time budget, in whole milliseconds, to the backend.</summary>
    public const string DeadlineHeader = "X-Request-Deadline";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    // Streams (SSE, gRPC, WebSockets) may rightly stay quiet for a long time between messages; a day bounds a
    // connection that leaked without limiting any real stream.
    public static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromHours(24);

    // Circuit breaker. The lower bounds are Polly's own (it refuses shorter windows and breaks).
    public const double DefaultFailureRatio = 0.5;

    // A ratio of 0 would open the circuit on no failure at all, so the range excludes it.
    public const double FailureRatioAbove = 0;
    public const double MaxFailureRatio = 1;
    public const int DefaultMinimumThroughput = 20;
    public const int MinMinimumThroughput = 2;
    public const int MaxMinimumThroughput = 100_000;
    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultMaxBreakDuration = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MinBreakOrSampling = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxBreakOrSampling = TimeSpan.FromHours(1);
    public static readonly int[] DefaultFailureStatusCodes = [500, 502, 503, 504];

    // FailureStatusCodes and Retry:StatusCodes: only server errors say anything about a destination.
    public const int MinStatusCode = 500;
    public const int MaxStatusCode = 599;

    // Retry.
    public const int DefaultMaxAttempts = 2;
    public const int MinMaxAttempts = 1;
    public const int MaxMaxAttempts = 10;
    public static readonly TimeSpan DefaultBackoffBaseDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan DefaultBackoffMaxDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinBackoffDelay = TimeSpan.Zero;
    public static readonly TimeSpan MaxBackoffDelay = TimeSpan.FromMinutes(1);
    public const double DefaultBudgetPercent = 20;
    public const double MinBudgetPercent = 0;
    public const double MaxBudgetPercent = 100;
    public const double DefaultMinRetriesPerSecond = 3;
    public const double MinMinRetriesPerSecond = 0;
    public const double MaxMinRetriesPerSecond = 10_000;
    public static readonly int[] DefaultRetryStatusCodes = [502, 503];

    // The retry budget's sliding window, like Finagle's RetryBudget ttl: long enough to smooth bursts, short
    // enough that a storm a minute ago does not starve retries now. Ten buckets make it slide in 1 s steps.
    public static readonly TimeSpan BudgetWindow = TimeSpan.FromSeconds(10);
    public const int BudgetBuckets = 10;

    // Bulkhead.
    public const int DefaultMaxConcurrentRequests = 1000;
    public const int MinConcurrentRequests = 1;
    public const int MaxConcurrentRequestsLimit = 100_000;
    public const int MinQueueLimit = 0;
    public const int MaxQueueLimit = 100_000;
    public static readonly TimeSpan DefaultQueueTimeout = TimeSpan.FromSeconds(1);

    // Retry-After on 503 overloaded: a slot frees up as soon as any request ends; spread the returns over a few seconds.
    public const int OverloadedRetryAfterMinSeconds = 1;
    public const int OverloadedRetryAfterMaxSeconds = 3;

    // Retry-After on 503 circuit-open: the time until the first probe may go, plus this much jitter.
    public const int CircuitOpenRetryAfterJitterSeconds = 2;
}
