using Gateway.Admin;
using Gateway.Admin.OperatorConsole;
using Gateway.Edge;
using Gateway.Failover;
using Gateway.Proxy;
using Gateway.RateLimiting;

namespace Gateway;

public static class GatewayApplicationExtensions
{
    /// <summary>Maps the admin endpoints and the proxy with the gateway's pipeline.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        // Gauges observe the routers; they exist from start so a scrape never misses them.
        app.Services.GetRequiredService<FailoverGauges>();
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
            proxy.UseMiddleware<ForwarderErrorMiddleware>();
            proxy.UseMiddleware<FailoverMiddleware>();
            proxy.UseMiddleware<NoHealthyDestinationMiddleware>();
            proxy.UseMiddleware<RetryMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
