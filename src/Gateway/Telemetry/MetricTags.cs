namespace Gateway.Telemetry;

/// <summary>
/// Every tag key on the gateway's instruments, and the one on ASP.NET Core's request metrics, in one place.
/// </summary>
/// <remarks>
/// The rule, OpenTelemetry's: keys are lowercase and dotted, words inside a segment joined by <c>_</c>; a key of the
/// semantic conventions is used where one exists (<c>http.response.status_code</c>); the gateway's own start with
/// <c>gateway.</c> and name the thing, then what about it (<c>gateway.shedding.reason</c>). <see cref="Outcome"/>,
/// <see cref="State"/>, <see cref="RedisOperation"/> and <see cref="RateLimitFallbackReason"/> predate the rule; the
/// dashboards and alerts read them as they are, so they keep their names.
/// </remarks>
internal static class MetricTags
{
    // Semantic conventions.
    public const string StatusCode = "http.response.status_code";

    // The gateway's own.
    public const string Cluster = "gateway.cluster";
    public const string Destination = "gateway.destination";
    public const string Region = "gateway.region";
    public const string Reason = "gateway.reason";
    public const string Priority = "gateway.priority";
    public const string SheddingReason = "gateway.shedding.reason";
    public const string SheddingOutcome = "gateway.shedding.outcome";
    public const string TimeoutKind = "gateway.timeout.kind";
    public const string ConnectionReason = "gateway.connection.reason";
    public const string RateLimitPolicy = "gateway.ratelimit.policy";
    public const string IdentityPolicy = "gateway.identity.policy";

    /// <summary>Added to ASP.NET Core's request metrics for requests on the admin listener.</summary>
    public const string Listener = "gateway.listener";

    // Older than the rule; kept as emitted.
    public const string Outcome = "outcome";
    public const string State = "state";
    public const string RedisOperation = "operation";
    public const string RateLimitFallbackReason = "reason";
}
