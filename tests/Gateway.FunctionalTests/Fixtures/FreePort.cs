using System.Net;
using System.Net.Sockets;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// Hands out loopback ports that are free now, never the same one twice in a run. They come from below the
/// kernel's ephemeral range (32768 and up), because a port the kernel picked for a listener can be handed to an
/// outgoing connection of another test before the listener that wanted it binds. Each test process starts at its
/// own offset so that concurrent runs rarely try the same ports.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private const int Count = 12000;
    private static readonly Lock s_gate = new();
    private static int s_next = Environment.ProcessId * 7919 % Count;
    private static int s_handedOut;

    public static int Next()
    {
        lock (s_gate)
        {
            while (s_handedOut < Count)
            {
                var port = First + (s_next++ % Count);
                s_handedOut++;
                if (IsFree(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException($"No free loopback port left in {First}-{First + Count - 1}.");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
