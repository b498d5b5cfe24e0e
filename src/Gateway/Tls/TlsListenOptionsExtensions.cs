using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gateway.Tls;

/// <summary>The TLS step of an https proxy listener.</summary>
internal static class TlsListenOptionsExtensions
{
    /// <summary>
    /// Terminates TLS with <paramref name="certificates"/>, offering by ALPN what the listener speaks (<c>h2</c> first,
    /// then <c>http/1.1</c>). Call after <see cref="ListenOptions.Protocols"/> is set, and after the connection cap so
    /// that a refused connection costs no handshake.
    /// </summary>
    public static ListenOptions UseTls(this ListenOptions listen, TlsCertificates certificates)
    {
        var alpn = new List<SslApplicationProtocol>(2);
        if ((listen.Protocols & HttpProtocols.Http2) != 0)
        {
            alpn.Add(SslApplicationProtocol.Http2);
        }

        if ((listen.Protocols & HttpProtocols.Http1) != 0)
        {
            alpn.Add(SslApplicationProtocol.Http11);
        }

        return listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(certificates.OptionsFor(context.ClientHelloInfo.ServerName, alpn)),
        });
    }
}
