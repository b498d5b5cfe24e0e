using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A raw TCP client for requests no well-behaved HTTP client would send (smuggling, floods, slow clients): writes
/// bytes as given and reads what comes back until the server closes or a time limit passes.
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> on a new connection and returns all bytes read (as Latin-1).</summary>
    public static async Task<string> SendAsync(Uri server, string request, TimeSpan? readFor = null)
    {
        using var client = await ConnectAsync(server);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        return await ReadAllAsync(stream, readFor ?? TimeSpan.FromSeconds(3));
    }

    public static async Task<TcpClient> ConnectAsync(Uri server)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        return client;
    }

    /// <summary>
    /// Sends <c>GET <paramref name="path"/></c> with <c>Connection: close</c> on a new connection from the local address
    /// <paramref name="from"/> (any of 127.0.0.0/8 works on Linux, so tests can be several clients) and returns the
    /// response's status, 0 when the server closed the connection without answering.
    /// </summary>
    public static async Task<int> GetStatusFromAsync(Uri server, IPAddress from, string path = "/api/x")
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"));
        }
        catch (IOException)
        {
            return 0;
        }

        return FirstStatus(await ReadAllAsync(stream, TimeSpan.FromSeconds(3)));
    }

    /// <summary>Reads until the peer closes (or resets) or <paramref name="limit"/> passes.</summary>
    public static async Task<string> ReadAllAsync(NetworkStream stream, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var buffer = new byte[16 * 1024];
        var text = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                text.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }

        return text.ToString();
    }

    /// <summary>Whether the peer has closed the connection: a read returns 0 or fails within <paramref name="within"/>.</summary>
    public static async Task<bool> IsClosedAsync(NetworkStream stream, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The first status code in <paramref name="responses"/>, 0 when there is none.</summary>
    public static int FirstStatus(string responses) => StatusCodes(responses) is [var first, ..] ? first : 0;

    /// <summary>The status codes of the HTTP/1.1 responses in <paramref name="responses"/>, in order.</summary>
    public static IReadOnlyList<int> StatusCodes(string responses)
    {
        var codes = new List<int>();
        foreach (var line in responses.Split("\r\n"))
        {
            if (line.StartsWith("HTTP/1.", StringComparison.Ordinal) && line.Length >= 12 &&
                int.TryParse(line.AsSpan(9, 3), out var code))
            {
                codes.Add(code);
            }
        }

        return codes;
    }
}
