using Gateway.Configuration;
using Gateway.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Edge;

internal static class EdgeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the edge: Kestrel's limits and the listeners, the proxy connection cap and rates, and the upstream client
    /// factory. Call before <c>AddReverseProxy</c>, which keeps an <see cref="IForwarderHttpClientFactory"/> already
    /// registered.
    /// </summary>
    public static IServiceCollection AddGatewayEdge(this IServiceCollection services, LimitsOptions startup)
    {
        services.AddSingleton<EdgeMetrics>();
        services.AddSingleton<ConnectionRejectionLog>();
        services.AddSingleton(sp => new ConnectionRateLimiter(startup, sp.GetService<ConfigSnapshotSource>()));
        services.AddSingleton(sp => new ProxyConnectionLimit(
            startup.MaxConcurrentConnections,
            sp.GetRequiredService<ConnectionRateLimiter>(),
            sp.GetRequiredService<EdgeMetrics>(),
            sp.GetRequiredService<ConnectionRejectionLog>()));
        services.AddSingleton<IForwarderHttpClientFactory, UpstreamHttpClientFactory>();
        services.AddHostedService(sp => new OpenFileLimitCheck(startup, sp.GetRequiredService<ILogger<OpenFileLimitCheck>>()));
        services.Configure<SocketTransportOptions>(sockets => sockets.Backlog = startup.ListenBacklog);
        services.AddOptions<KestrelServerOptions>()
            .Configure<GatewayListeners, ProxyConnectionLimit>((kestrel, listeners, limit) =>
            {
                KestrelLimits.Apply(kestrel, startup);
                var protocols = KestrelLimits.Protocols(startup);
                KestrelListeners.Bind(kestrel, listeners, proxy =>
                {
                    proxy.Protocols = protocols;
                    proxy.Use(limit.Wrap);
                });
            });
        return services;
    }
}
