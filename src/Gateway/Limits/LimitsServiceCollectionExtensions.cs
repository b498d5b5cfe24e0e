using Gateway.Utilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Limits;

internal static class LimitsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the edge: Kestrel's limits, the proxy connection cap and rates, and the upstream client
    /// factory. Call before <c>AddReverseProxy</c>, which keeps an <see cref="IForwarderHttpClientFactory"/> already
    /// registered.
    /// </summary>
    /// <param name="ipv6PrefixLength">The start-up <c>Gateway:ClientIdentity:Ipv6PrefixLength</c>, for the per-client connection rate.</param>
    public static IServiceCollection AddGatewayLimits(this IServiceCollection services, LimitsOptions startup, int ipv6PrefixLength)
    {
        services.AddSingleton<LimitsMetrics>();
        services.AddSingleton<ConnectionRejectionLog>();
        services.AddSingleton(sp => new ConnectionRateLimiter(startup, sp.GetService<IConfigSource>(), ipv6PrefixLength));
        services.AddSingleton(sp => new ProxyConnectionLimit(
            startup.MaxConcurrentConnections,
            sp.GetRequiredService<ConnectionRateLimiter>(),
            sp.GetRequiredService<LimitsMetrics>(),
            sp.GetRequiredService<ConnectionRejectionLog>()));
        services.AddSingleton<IForwarderHttpClientFactory, UpstreamHttpClientFactory>();
        services.AddHostedService(sp => new OpenFileLimitCheck(startup, sp.GetRequiredService<ILogger<OpenFileLimitCheck>>()));
        services.Configure<SocketTransportOptions>(sockets => sockets.Backlog = startup.ListenBacklog);
        services.AddOptions<KestrelServerOptions>().Configure(kestrel => KestrelLimits.Apply(kestrel, startup));
        return services;
    }
}
