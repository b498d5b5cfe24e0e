using System.Net;
using System.Net.Sockets;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A loopback port where a TCP connect never completes, as if the address were black-holed: a listener that never
/// accepts, its accept queue filled by connections of its own, so Linux drops further SYNs.
/// </summary>
public sealed class BlackHoleListener : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = [];

    private BlackHoleListener(Socket listener)
    {
        _listener = listener;
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/");
    }

    public Uri Url { get; }

    public static async Task<BlackHoleListener> StartAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var hole = new BlackHoleListener(listener);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        for (var i = 0; i < 16; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            hole._fillers.Add(filler);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await filler.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // The queue is full: this connect hangs as the gateway's will.
                break;
            }
        }

        return hole;
    }

    public void Dispose()
    {
        _fillers.ForEach(f => f.Dispose());
        _listener.Dispose();
    }
}
