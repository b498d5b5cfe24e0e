using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Gateway.FunctionalTests.Tls;

/// <summary>TLS clients for the gateway's https listeners: raw handshakes (SNI, ALPN, versions) and HttpClients.</summary>
internal static class TlsClient
{
    /// <summary>What a handshake showed: the server's certificate, the protocol ALPN chose, the TLS version.</summary>
    public sealed record Handshake(X509Certificate2 Certificate, SslApplicationProtocol Alpn, SslProtocols Version, SslStream Stream, TcpClient Connection) : IDisposable
    {
        public string Name => Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

        public void Dispose()
        {
            Stream.Dispose();
            Connection.Dispose();
        }
    }

    /// <summary>Connects to <paramref name="endpoint"/>'s port on loopback and shakes hands as a client of <paramref name="serverName"/>.</summary>
    public static async Task<Handshake> HandshakeAsync(Uri endpoint, string serverName, SslApplicationProtocol[]? alpn = null, SslProtocols protocols = SslProtocols.None)
    {
        var connection = new TcpClient { NoDelay = true };
        await connection.ConnectAsync(IPAddress.Loopback, endpoint.Port);
        X509Certificate2? seen = null;
        // The test's certificates are self-signed: any is accepted, and the test looks at which one came.
        var stream = new SslStream(connection.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : new X509Certificate2(certificate);
            return seen is not null;
        });
        try
        {
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                ApplicationProtocols = [.. alpn ?? [SslApplicationProtocol.Http11]],
                EnabledSslProtocols = protocols,
            });
        }
        catch
        {
            stream.Dispose();
            connection.Dispose();
            throw;
        }

        return new Handshake(seen!, stream.NegotiatedApplicationProtocol, stream.SslProtocol, stream, connection);
    }

    /// <summary>Sends an HTTP/1.1 GET on an open TLS connection (kept alive) and returns the status line.</summary>
    public static async Task<string> GetOnAsync(Handshake connection, string path)
    {
        await connection.Stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: gw\r\n\r\n"));
        // The whole response is read, so the next request on this connection does not read this one's tail (a single
        // read once returned only the headers, and the next call got the chunked body's last "0").
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        var text = string.Empty;
        while (!IsComplete(text))
        {
            var read = await connection.Stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            text += Encoding.Latin1.GetString(buffer, 0, read);
        }

        return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
    }

    private static bool IsComplete(string response)
    {
        var headersEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headersEnd < 0)
        {
            return false;
        }

        var headers = response[..headersEnd];
        var body = response.Length - headersEnd - 4;
        var length = System.Text.RegularExpressions.Regex.Match(headers, @"(?im)^content-length:\s*(\d+)");
        if (length.Success)
        {
            return body >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return !headers.Contains("chunked", StringComparison.OrdinalIgnoreCase) || response.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }

    /// <summary>An HttpClient that trusts the test certificates and reaches any host name on loopback (for SNI).</summary>
    public static HttpClient Http(Version version) => new(Handler())
    {
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>The handler of <see cref="Http"/>, for clients that bring their own (a gRPC channel).</summary>
    public static SocketsHttpHandler Handler() => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null },
        ConnectCallback = async (context, cancellation) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };
}
