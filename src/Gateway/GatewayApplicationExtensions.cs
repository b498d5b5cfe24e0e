using Gateway.Admin;
using Gateway.Admin.OperatorConsole;
using Gateway.CircuitBreaking;
using Gateway.Edge;
using Gateway.Failover;
using Gateway.Proxy;
using Gateway.RateLimiting;
using Gateway.Shedding;

namespace Gateway;

public static class GatewayApplicationExtensions
{
    /// <summary>Maps the admin endpoints and the proxy with the gateway's pipeline.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        // Gauges observe the routers; they exist from start so a scrape never misses them.
        app.Services.GetRequiredService<FailoverGauges>();
        app.Services.GetRequiredService<ResilienceRegistry>();
        app.Services.GetRequiredService<SheddingRegistry>();
        // First, so the console's request series also counts what later middleware refuses.
        app.UseMiddleware<TrafficStatsMiddleware>();
        // Before routing: what it refuses must not be matched against any route, proxy or admin.
        app.UseMiddleware<EdgeGuardMiddleware>();
        app.UseRouting();
        app.UseMiddleware<AdminKeyMiddleware>();
        app.MapAdminEndpoints();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<RequestBodyLimitMiddleware>();
            proxy.UseMiddleware<RateLimitingMiddleware>();
            // After the per-client rate limit (a client over its own limit must not take a cluster slot) and before
            // anything that reads the body or opens a backend connection, so a refusal costs little.
            proxy.UseMiddleware<SheddingMiddleware>();
            proxy.UseMiddleware<ForwarderErrorMiddleware>();
            proxy.UseMiddleware<FailoverMiddleware>();
            proxy.UseMiddleware<NoHealthyDestinationMiddleware>();
            // Resilience: bulkhead and total timeout around the retries; per attempt, open circuits are taken out
            // before load balancing and the chosen destination's breaker wraps the forwarding (inside passive
            // health, so a timed-out attempt counts there too).
            proxy.UseMiddleware<ResilienceMiddleware>();
            proxy.UseMiddleware<RetryMiddleware>();
            proxy.UseMiddleware<CircuitFilterMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
            proxy.UseMiddleware<CircuitBreakerMiddleware>();
            // Innermost: the adaptive limit learns from the backend's latency, not from the gateway's own queueing.
            proxy.UseMiddleware<SheddingLatencyMiddleware>();
        });
        return app;
    }
}
