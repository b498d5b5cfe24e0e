using Gateway.AccessLog;
using Gateway.ClientIdentity;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Identity;
using Gateway.Limits;
using Gateway.RateLimiting;
using Gateway.Redis;
using Gateway.Resilience;
using Gateway.Shedding;
using Gateway.Shutdown;
using Gateway.Streaming;
using Gateway.Telemetry;

namespace Gateway.Configuration;

/// <summary>The gateway's own settings: the <c>Gateway</c> section. Immutable once bound and validated.</summary>
public sealed record GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The admin listener and its key.</summary>
    public AdminOptions Admin { get; init; } = new();

    /// <summary>OpenTelemetry export.</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>Regional failover policies.</summary>
    public FailoverOptions Failover { get; init; } = new();

    /// <summary>Outlier ejection and panic mode, for all clusters.</summary>
    public HealthOptions Health { get; init; } = new();

    /// <summary>Resilience policies: timeouts, circuit breakers, budgeted retries, bulkheads.</summary>
    public ResilienceOptions Resilience { get; init; } = new();

    /// <summary>Rate-limit policies, referenced by a route's <c>RateLimiterPolicy</c>.</summary>
    public RateLimitingOptions RateLimiting { get; init; } = new();

    /// <summary>The shared Redis for global rate limits and region drains; absent means all state is local.</summary>
    public RedisOptions Redis { get; init; } = new();

    /// <summary>Who the client is (trusted proxies for <c>X-Forwarded-For</c>).</summary>
    public ClientIdentityOptions ClientIdentity { get; init; } = new();

    /// <summary>Who may call a route: API-key consumers, the JWT issuer, and policies routes name in <c>AuthorizationPolicy</c>.</summary>
    public IdentityOptions Identity { get; init; } = new();

    /// <summary>Client connection and request limits and upstream timeouts: the edge's safe defaults.</summary>
    public LimitsOptions Limits { get; init; } = new();

    /// <summary>Adaptive concurrency limits per cluster and priority load shedding.</summary>
    public SheddingOptions Shedding { get; init; } = new();

    /// <summary>The graceful drain on SIGTERM: how long to keep serving, how long requests in flight may take.</summary>
    public ShutdownOptions Shutdown { get; init; } = new();

    /// <summary>One JSON line per proxy request, to a file or standard output; off by default.</summary>
    public AccessLogOptions AccessLog { get; init; } = new();

    /// <summary>Proxied WebSockets: their idle timeout; closed with 1001 on idle and on drain.</summary>
    public WebSocketsOptions WebSockets { get; init; } = new();
}
