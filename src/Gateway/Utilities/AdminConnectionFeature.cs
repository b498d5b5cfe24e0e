using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Utilities;

/// <summary>
/// Marks a connection accepted on the admin listener. Set by connection middleware on the admin endpoints, so the
/// split between admin and proxy traffic depends on the socket, never on a Host header a client can forge.
/// </summary>
internal sealed class AdminConnectionFeature
{
    public static readonly AdminConnectionFeature Instance = new();

    // More local ports than an admin listener binds; past it (many hosts in one process, as in tests) every request
    // is looked up.
    private const int MaxPorts = 16;

    // The local ports admin connections arrived on (0 for a socket without one), or null once there were too many.
    // A request on any other port is not on an admin connection: one comparison tells so, where the feature lookup
    // misses through the request's and then the connection's features (a few times per proxied request).
    private static int[]? s_ports = [];

    private AdminConnectionFeature()
    {
    }

    /// <summary>Marks <paramref name="connection"/> as accepted on the admin listener.</summary>
    public static void Mark(ConnectionContext connection)
    {
        connection.Features.Set(Instance);
        var port = (connection.LocalEndPoint as IPEndPoint)?.Port ?? 0;
        for (var ports = Volatile.Read(ref s_ports); ports is not null && Array.IndexOf(ports, port) < 0; ports = Volatile.Read(ref s_ports))
        {
            int[]? more = ports.Length < MaxPorts ? [.. ports, port] : null;
            if (ReferenceEquals(Interlocked.CompareExchange(ref s_ports, more, ports), ports))
            {
                return;
            }
        }
    }

    /// <summary>Whether the request came on a connection <see cref="Mark"/> marked.</summary>
    public static bool IsAdmin(HttpContext context)
    {
        var ports = Volatile.Read(ref s_ports);
        if (ports is not null && (ports.Length == 0 || Array.IndexOf(ports, context.Feature<IHttpConnectionFeature>()?.LocalPort ?? 0) < 0))
        {
            return false;
        }

        return context.Feature<AdminConnectionFeature>() is not null;
    }
}
