using Gateway.Admin;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Hosting;

/// <summary>Binds the proxy and admin listeners; admin connections are tagged so routing can tell them apart.</summary>
internal static class KestrelListeners
{
    /// <param name="configureProxy">Applied to each proxy listener (protocols, connection cap).</param>
    public static void Bind(KestrelServerOptions kestrel, GatewayListeners listeners, Action<ListenOptions> configureProxy)
    {
        foreach (var address in listeners.Proxy)
        {
            Listen(kestrel, address, configureProxy);
        }

        foreach (var address in listeners.Admin)
        {
            Listen(kestrel, address, static options => options.Use(next => connection =>
            {
                connection.Features.Set(AdminConnectionFeature.Instance);
                return next(connection);
            }));
        }
    }

    private static void Listen(KestrelServerOptions kestrel, ListenerAddress address, Action<ListenOptions> configure)
    {
        if (address.Localhost)
        {
            kestrel.ListenLocalhost(address.Port, configure);
        }
        else if (address.AnyAddress)
        {
            kestrel.ListenAnyIP(address.Port, configure);
        }
        else
        {
            kestrel.Listen(address.Address!, address.Port, configure);
        }
    }
}
