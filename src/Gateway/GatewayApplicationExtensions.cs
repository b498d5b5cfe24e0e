using Gateway.Admin;
using Gateway.Proxy;

namespace Gateway;

public static class GatewayApplicationExtensions
{
    /// <summary>Maps the admin endpoints and the proxy with the gateway's pipeline.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseRouting();
        app.UseMiddleware<AdminKeyMiddleware>();
        app.MapAdminEndpoints();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwarderErrorMiddleware>();
            proxy.UseMiddleware<NoHealthyDestinationMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
