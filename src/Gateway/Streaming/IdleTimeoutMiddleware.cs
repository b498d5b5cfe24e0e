using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Streaming;

/// <summary>
/// The second clock of a request: how long its forwarding may stay silent once under way. A route's
/// <c>Metadata.IdleTimeout</c> replaces its cluster's <c>HttpRequest:ActivityTimeout</c> for the route's requests (a
/// stream that sends an event a minute on a cluster whose other routes answer in milliseconds). A WebSocket is
/// relayed through a <see cref="WebSocketRelayStream"/>, whose own idle timeout (the route's
/// <c>Metadata.WebSocketIdleTimeout</c>, else <c>Gateway:WebSockets:IdleTimeout</c>) ends it with close frames; the
/// forwarder's idle timeout is set past it so that the close handshake has time to run, and the opening handshake
/// keeps the cluster's.
/// </summary>
internal sealed class IdleTimeoutMiddleware(RequestDelegate next, IConfigSource config, OpenWebSockets sockets, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var route = context.ProxyFeature().Route;
        var idle = RouteIdleTimeouts.Of(route);
        if (UpgradeRequest.IsWebSocket(context))
        {
            var options = config.Current.Section<WebSocketsOptions>();
            return RelayWebSocketAsync(context, idle.WebSocket ?? options.IdleTimeout, options.KeepAliveInterval);
        }

        if (idle.Stream is { } stream)
        {
            ForwarderActivityTimeout.Set(context, stream);
        }

        return next(context);
    }

    /// <summary>
    /// The forwarder's idle timeout is set past the WebSocket's own, which would also let a backend that never answers
    /// the handshake hold the client that long; so the handshake keeps the cluster's idle timeout, as a timer that
    /// stops when the upgrade is accepted. A handshake it ends counts against the backend and is answered 504
    /// <c>upstream-timeout</c>, as the forwarder's own timeout would be.
    /// </summary>
    private async Task RelayWebSocketAsync(HttpContext context, TimeSpan idle, TimeSpan keepAlive)
    {
        var handshakeTimeout = context.ProxyFeature().Route.Cluster?.Model?.Config.HttpRequest?.ActivityTimeout ?? StreamingConstants.DefaultHandshakeTimeout;
        ForwarderActivityTimeout.Set(context, idle + StreamingConstants.CloseTimeout + StreamingConstants.CloseTimeout);
        var clientAborted = context.RequestAborted;
        using var handshake = new CancellationTokenSource(handshakeTimeout, time);
        using var link = clientAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), handshake);
        WrapUpgrade(context, idle, keepAlive, handshake);
        context.RequestAborted = handshake.Token;
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestAborted = clientAborted;
        }

        if (handshake.IsCancellationRequested && !clientAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            ProxyRequestState.Of(context).AttemptTimeout = new TimeoutException($"The WebSocket handshake got no answer within {handshakeTimeout}.");
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
    }

    private void WrapUpgrade(HttpContext context, TimeSpan idle, TimeSpan keepAlive, CancellationTokenSource handshake)
    {
        Func<Stream, Stream>? relay = null;
        if (context.Feature<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade and not RelayedUpgradeFeature)
        {
            relay = Relay(context, idle, keepAlive, handshake);
            context.Features.Set<IHttpUpgradeFeature>(new RelayedUpgradeFeature(upgrade, relay));
        }

        if (context.Feature<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect and not RelayedExtendedConnectFeature)
        {
            context.Features.Set<IHttpExtendedConnectFeature>(new RelayedExtendedConnectFeature(connect, relay ?? Relay(context, idle, keepAlive, handshake)));
        }
    }

    private Func<Stream, Stream> Relay(HttpContext context, TimeSpan idle, TimeSpan keepAlive, CancellationTokenSource handshake) => upgraded =>
    {
        // Accepted: from here the conversation's own idle timeout applies.
        handshake.CancelAfter(Timeout.InfiniteTimeSpan);
        var stream = new WebSocketRelayStream(upgraded, context, sockets, time, idle, keepAlive);
        sockets.Add(stream);
        return stream;
    };
}
