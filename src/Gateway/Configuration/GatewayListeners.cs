using Gateway.Answers;
using Gateway.Limits;
using Gateway.Tls;
using Gateway.Utilities;

namespace Gateway.Configuration;

/// <summary>The parsed listeners, fixed at start-up.</summary>
/// <param name="AdminTls">The certificate of the https admin URLs; null when they are all http.</param>
internal sealed record GatewayListeners(IReadOnlyList<ProxyListener> Proxy, IReadOnlyList<ListenerAddress> Admin, TlsEndpointOptions? AdminTls = null)
{
    /// <summary>The admin listener's name among the https endpoints (logs); no <c>Kestrel:Endpoints</c> key can be it.</summary>
    public const string AdminEndpointName = GatewayOptions.SectionName + ":Admin";

    /// <summary>
    /// Reads the proxy listeners from <c>Kestrel:Endpoints</c> or else <c>urls</c> (<c>--urls</c>, default
    /// <c>http://127.0.0.1:8080</c>, with <c>Gateway:Limits:Protocols</c>), and the admin listeners from
    /// <c>Gateway:Admin:Urls</c> (with <c>Gateway:Admin:Certificate</c> for https ones). Every unusable value, and
    /// two listeners on one socket, is added to <paramref name="errors"/> and left out.
    /// </summary>
    /// <param name="contentRoot">What relative certificate paths are relative to.</param>
    /// <param name="time">When certificates must be valid: now.</param>
    public static GatewayListeners From(IConfiguration configuration, string contentRoot, TimeProvider time, ConfigErrorList errors)
    {
        var options = GatewayOptionsReader.ReadOrDefault(configuration);
        var proxy = KestrelEndpoints.Read(configuration, contentRoot, time.GetUtcNow(), errors);
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (configuration.GetSection(KestrelEndpoints.SectionName).GetSection(KestrelEndpoints.EndpointsKey).GetChildren().Any())
        {
            if (!string.IsNullOrEmpty(urls))
            {
                errors.Add(WebHostDefaults.ServerUrlsKey, $"'{urls}': {KestrelEndpoints.SectionName}:{KestrelEndpoints.EndpointsKey} declares the proxy listeners; remove --urls (or ASPNETCORE_URLS), which would be ignored.");
            }
        }
        else
        {
            var protocols = KestrelLimits.Protocols(options.Limits);
            var addresses = ListenerAddress.ParseList(string.IsNullOrEmpty(urls) ? AnswersConstants.DefaultUrls : urls, out var urlError);
            if (addresses is null)
            {
                errors.Add(WebHostDefaults.ServerUrlsKey, urlError!);
            }

            proxy = addresses?.Select(a => new ProxyListener(WebHostDefaults.ServerUrlsKey, a, protocols)).ToList() ?? [];
        }

        // Gateway:Admin:Urls itself is checked with the rest of the Gateway section.
        var admin = ListenerAddress.ParseList(options.Admin.Urls, out _, allowHttps: true) ?? [];
        var adminTls = ReadAdminTls(configuration, options.Admin, admin, contentRoot, time.GetUtcNow(), errors);
        for (var i = 0; i < proxy.Count; i++)
        {
            for (var j = i + 1; j < proxy.Count; j++)
            {
                if (proxy[i].Address.Overlaps(proxy[j].Address))
                {
                    errors.Add(PathOf(proxy[j]), $"port {proxy[j].Address.Port} is also proxy listener '{proxy[i].Name}''s.");
                }
            }

            foreach (var adminAddress in admin)
            {
                if (adminAddress.Overlaps(proxy[i].Address))
                {
                    errors.Add("Gateway:Admin:Urls", $"port {adminAddress.Port} is also a proxy listener port ({PathOf(proxy[i])}); the admin listener needs its own.");
                }
            }
        }

        if (adminTls is null)
        {
            // Never bound without its TLS: the refusal is reported (here or by the Gateway section's validator).
            admin = [.. admin.Where(a => !a.Https)];
        }

        return new GatewayListeners(proxy, admin, adminTls);
    }

    /// <summary>
    /// Loads the admin listener's certificate as a proxy endpoint's is, so an unreadable, expired or mismatched one
    /// stops the gateway with its file. Keys in the wrong place (a certificate without https, https without one) are
    /// the Gateway section validator's to report.
    /// </summary>
    private static TlsEndpointOptions? ReadAdminTls(
        IConfiguration configuration, AdminOptions options, IReadOnlyList<ListenerAddress> admin, string contentRoot, DateTimeOffset now, ConfigErrorList errors)
    {
        if (!admin.Any(a => a.Https) || string.IsNullOrWhiteSpace(options.Certificate?.Path))
        {
            return null;
        }

        var section = configuration.GetSection(GatewayOptions.SectionName).GetSection("Admin");
        return TlsEndpointReader.Read(section, https: true, contentRoot, now, errors, AdminEndpointName);
    }

    private static string PathOf(ProxyListener listener) =>
        listener.Name == WebHostDefaults.ServerUrlsKey
            ? WebHostDefaults.ServerUrlsKey
            : $"{KestrelEndpoints.SectionName}:{KestrelEndpoints.EndpointsKey}:{listener.Name}:Url";
}
