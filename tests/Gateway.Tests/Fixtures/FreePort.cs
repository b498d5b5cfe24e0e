using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Fixtures;

/// <summary>Hands out loopback ports that are free now, never the same one twice in a run.</summary>
public static class FreePort
{
    private static readonly HashSet<int> s_given = [];

    public static int Next()
    {
        lock (s_given)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (s_given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
