using Gateway.Tls;
using Gateway.Utilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Configuration;

/// <summary>One proxy listener: an endpoint under <c>Kestrel:Endpoints</c>, or a URL of <c>--urls</c>.</summary>
/// <param name="Name">The endpoint's name, or <c>urls</c>; error messages and logs use it.</param>
/// <param name="Protocols">What the listener speaks (HTTP/1.1, h2c, or both by ALPN with TLS).</param>
/// <param name="Tls">The certificates and TLS versions of an https listener; null for cleartext.</param>
internal sealed record ProxyListener(string Name, ListenerAddress Address, HttpProtocols Protocols, TlsEndpointOptions? Tls = null);
