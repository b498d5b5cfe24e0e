using Gateway.Answers;
using Gateway.Utilities;

namespace Gateway.Configuration;

/// <summary>The parsed listeners, fixed at start-up.</summary>
internal sealed record GatewayListeners(IReadOnlyList<ListenerAddress> Proxy, IReadOnlyList<ListenerAddress> Admin)
{
    /// <summary>
    /// Reads the proxy listeners from <c>urls</c> (<c>--urls</c>) and the admin listeners from
    /// <c>Gateway:Admin:Urls</c>. Unusable values give empty lists here; start-up reports them as errors.
    /// </summary>
    public static GatewayListeners From(IConfiguration configuration, out string? proxyUrlError)
    {
        var proxyUrls = configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls ? urls : AnswersConstants.DefaultUrls;
        var proxy = ListenerAddress.ParseList(proxyUrls, out proxyUrlError) ?? [];
        var options = GatewayOptionsReader.ReadOrDefault(configuration);
        var admin = ListenerAddress.ParseList(options.Admin.Urls, out _) ?? [];
        return new GatewayListeners(proxy, admin);
    }
}
