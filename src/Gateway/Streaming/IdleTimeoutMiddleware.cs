using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Streaming;

/// <summary>
/// The second clock of a request: how long its forwarding may stay silent once under way. A route's
/// <c>Metadata.IdleTimeout</c> replaces its cluster's <c>HttpRequest:ActivityTimeout</c> for the route's requests (a
/// stream that sends an event a minute on a cluster whose other routes answer in milliseconds). A WebSocket is
/// relayed through a <see cref="WebSocketRelayStream"/>, whose own idle timeout (the route's
/// <c>Metadata.WebSocketIdleTimeout</c>, else <c>Gateway:WebSockets:IdleTimeout</c>) ends it with close frames; the
/// forwarder's idle timeout is set past it so that the close handshake has time to run.
/// </summary>
internal sealed class IdleTimeoutMiddleware(RequestDelegate next, IConfigSource config, OpenWebSockets sockets, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetReverseProxyFeature().Route;
        var idle = RouteIdleTimeouts.Of(route);
        if (UpgradeRequest.IsWebSocket(context))
        {
            RelayWebSocket(context, idle.WebSocket ?? config.Current.Section<WebSocketsOptions>().IdleTimeout);
        }
        else if (idle.Stream is { } stream)
        {
            ForwarderActivityTimeout.Set(context, stream);
        }

        return next(context);
    }

    private void RelayWebSocket(HttpContext context, TimeSpan idle)
    {
        ForwarderActivityTimeout.Set(context, idle + StreamingConstants.CloseTimeout + StreamingConstants.CloseTimeout);
        Func<Stream, Stream>? relay = null;
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade and not RelayedUpgradeFeature)
        {
            relay = Relay(context, idle);
            context.Features.Set<IHttpUpgradeFeature>(new RelayedUpgradeFeature(upgrade, relay));
        }

        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect and not RelayedExtendedConnectFeature)
        {
            context.Features.Set<IHttpExtendedConnectFeature>(new RelayedExtendedConnectFeature(connect, relay ?? Relay(context, idle)));
        }
    }

    private Func<Stream, Stream> Relay(HttpContext context, TimeSpan idle) => upgraded =>
    {
        var stream = new WebSocketRelayStream(upgraded, context, sockets, time, idle);
        sockets.Add(stream);
        return stream;
    };
}
