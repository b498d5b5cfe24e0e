using Gateway.Tls;
using Gateway.Utilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Configuration;

/// <summary>
/// Reads the proxy listeners from ASP.NET Core's own <c>Kestrel:Endpoints</c> schema (<c>Url</c>, <c>Protocols</c>,
/// and for https <c>Certificate</c>, <c>Sni</c>, <c>SslProtocols</c>), strictly: the gateway binds them itself, with its connection steps, so a key it would not apply is an error rather
/// than a listener that silently differs from what its operator wrote.
/// </summary>
internal static class KestrelEndpoints
{
    public const string SectionName = "Kestrel";
    public const string EndpointsKey = "Endpoints";

    private static readonly string[] s_endpointKeys = ["Url", "Protocols", TlsConstants.CertificateKey, TlsConstants.SniKey, TlsConstants.SslProtocolsKey];

    // Kestrel's names; Http3 needs libmsquic, which the platform the gateway is built and tested on does not provide.
    private static readonly string[] s_protocols = [nameof(HttpProtocols.Http1), nameof(HttpProtocols.Http2), nameof(HttpProtocols.Http1AndHttp2)];

    /// <summary>The endpoints, by name (configuration sorts keys); those with errors are left out and reported.</summary>
    /// <param name="contentRoot">What relative certificate paths are relative to.</param>
    /// <param name="now">When certificates must be valid.</param>
    public static IReadOnlyList<ProxyListener> Read(IConfiguration configuration, string contentRoot, DateTimeOffset now, ConfigErrorList errors)
    {
        var section = configuration.GetSection(SectionName);
        foreach (var child in section.GetChildren())
        {
            if (!string.Equals(child.Key, EndpointsKey, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(child.Path, $"unknown key; the gateway reads only {SectionName}:{EndpointsKey} (its limits are under Gateway:Limits, each endpoint's TLS on the endpoint).");
            }
        }

        var listeners = new List<ProxyListener>();
        foreach (var endpoint in section.GetSection(EndpointsKey).GetChildren())
        {
            if (ReadEndpoint(endpoint, contentRoot, now, errors) is { } listener)
            {
                listeners.Add(listener);
            }
        }

        return listeners;
    }

    private static ProxyListener? ReadEndpoint(IConfigurationSection endpoint, string contentRoot, DateTimeOffset now, ConfigErrorList errors)
    {
        var valid = true;
        foreach (var key in endpoint.GetChildren())
        {
            if (!s_endpointKeys.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(key.Path, $"unknown key; an endpoint has {string.Join(", ", s_endpointKeys)}.");
                valid = false;
            }
        }

        var url = endpoint["Url"];
        ListenerAddress? address = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            errors.Add($"{endpoint.Path}:Url", "is required.");
        }
        else if ((address = ListenerAddress.Parse(url.Trim(), allowHttps: true, out var urlError)) is null)
        {
            errors.Add($"{endpoint.Path}:Url", urlError!);
        }

        var protocols = ReadProtocols(endpoint, address, errors);
        var https = address?.Https == true;
        var before = errors.Errors.Count;
        var tls = TlsEndpointReader.Read(endpoint, https, contentRoot, now, errors);
        valid &= errors.Errors.Count == before;
        return valid && address is not null && protocols is { } p ? new ProxyListener(endpoint.Key, address, p, tls) : null;
    }

    /// <summary>
    /// <c>Protocols</c>, by default HTTP/1.1 on cleartext and both by ALPN with TLS. Http1AndHttp2 is refused on
    /// cleartext: without TLS nothing can negotiate HTTP/2, and Kestrel would serve HTTP/1.1 only, with a warning in a
    /// log nobody reads.
    /// </summary>
    private static HttpProtocols? ReadProtocols(IConfigurationSection endpoint, ListenerAddress? address, ConfigErrorList errors)
    {
        var text = endpoint["Protocols"];
        if (string.IsNullOrEmpty(text))
        {
            return address is { Https: true } ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
        }

        var name = s_protocols.FirstOrDefault(p => string.Equals(p, text.Trim(), StringComparison.OrdinalIgnoreCase));
        if (name is null)
        {
            var http3 = text.Contains("Http3", StringComparison.OrdinalIgnoreCase) ? " HTTP/3 is not supported (no libmsquic on the platform)." : string.Empty;
            errors.Add($"{endpoint.Path}:Protocols", $"must be one of {string.Join(", ", s_protocols)} (was '{text}').{http3}");
            return null;
        }

        var protocols = Enum.Parse<HttpProtocols>(name);
        if (protocols == HttpProtocols.Http1AndHttp2 && address is { Https: false })
        {
            errors.Add(
                $"{endpoint.Path}:Protocols",
                "Http1AndHttp2 needs https (TLS ALPN chooses the protocol); on cleartext use Http1 (HTTP/1.1 and WebSockets) or Http2 (h2c, e.g. gRPC), each on its own endpoint.");
            return null;
        }

        return protocols;
    }
}
