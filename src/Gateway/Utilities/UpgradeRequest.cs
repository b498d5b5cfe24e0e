using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Utilities;

/// <summary>Which requests the forwarder turns into a long-lived upgraded connection (a WebSocket).</summary>
internal static class UpgradeRequest
{
    private const string WebSocket = "websocket";
    private const string SpdyPrefix = "SPDY/";

    /// <summary>
    /// Whether YARP's <c>HttpForwarder</c> forwards the request as an upgrade: an HTTP/1.1 request Kestrel marks
    /// upgradable (a <c>Connection: upgrade</c> token and no body) whose <c>Upgrade</c> is <c>websocket</c> or
    /// <c>SPDY/*</c>, or an HTTP/2 extended CONNECT for <c>websocket</c>. Kestrel marks a request upgradable for the
    /// <c>Connection</c> token alone, with any <c>Upgrade</c> or none (<c>h2c</c>, <c>foo</c>): YARP forwards such a
    /// request as a plain one, so it must meet every timeout and limit a plain one does.
    /// </summary>
    public static bool IsForwardedAsUpgrade(HttpContext context)
    {
        if (context.Feature<IHttpUpgradeFeature>() is { IsUpgradableRequest: true })
        {
            // The header's values joined, as YARP reads them (one value allocates nothing).
            var upgrade = context.Request.Headers.Upgrade.ToString();
            return upgrade.Equals(WebSocket, StringComparison.OrdinalIgnoreCase) || upgrade.StartsWith(SpdyPrefix, StringComparison.OrdinalIgnoreCase);
        }

        return context.Feature<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect &&
               string.Equals(connect.Protocol, WebSocket, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the forwarder turns the request into a WebSocket (an upgrade that is not SPDY).</summary>
    public static bool IsWebSocket(HttpContext context)
    {
        if (context.Feature<IHttpUpgradeFeature>() is { IsUpgradableRequest: true })
        {
            return context.Request.Headers.Upgrade.ToString().Equals(WebSocket, StringComparison.OrdinalIgnoreCase);
        }

        return context.Feature<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect &&
               string.Equals(connect.Protocol, WebSocket, StringComparison.OrdinalIgnoreCase);
    }
}
