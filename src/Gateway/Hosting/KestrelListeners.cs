using Gateway.Configuration;
using Gateway.Utilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Hosting;

/// <summary>Binds the proxy and admin listeners, each with the connection steps it is given.</summary>
internal static class KestrelListeners
{
    /// <param name="configureProxy">Applied to each proxy listener (protocols, connection steps).</param>
    /// <param name="configureAdmin">Applied to each admin listener (connection steps, TLS on an https one).</param>
    public static void Bind(KestrelServerOptions kestrel, GatewayListeners listeners, Action<ListenOptions, ProxyListener> configureProxy, Action<ListenOptions, ListenerAddress> configureAdmin)
    {
        // The gateway binds Kestrel:Endpoints itself, each with its connection steps. Kestrel's own loader would bind
        // them a second time without them, and rebind them on a config change (an endpoint added at run time would
        // have no connection cap).
        kestrel.ConfigurationLoader = null;
        foreach (var listener in listeners.Proxy)
        {
            Listen(kestrel, listener.Address, options => configureProxy(options, listener));
        }

        foreach (var address in listeners.Admin)
        {
            Listen(kestrel, address, options => configureAdmin(options, address));
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
