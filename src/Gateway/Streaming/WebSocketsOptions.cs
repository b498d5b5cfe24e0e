namespace Gateway.Streaming;

/// <summary>
/// Proxied WebSockets: <c>Gateway:WebSockets</c>. The gateway follows each conversation's frames so it can end it
/// with a close frame (1001 Going Away) to both ends, when it drains and when the conversation has been silent too
/// long. Hot-reloaded: a new value applies to WebSockets opened afterwards.
/// </summary>
public sealed record WebSocketsOptions
{
    /// <summary>
    /// How long a WebSocket may go without a byte in either direction (pings included) before the gateway closes it
    /// with 1001; a route's <c>Metadata.WebSocketIdleTimeout</c> overrides it. The cluster's
    /// <c>HttpRequest:ActivityTimeout</c> does not apply to WebSockets. Default 5 min, range 1 s to 24 h.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = StreamingConstants.DefaultWebSocketIdleTimeout;

    /// <summary>
    /// When set, a conversation silent this long gets a ping frame from the gateway to the client (as if from the
    /// server), which keeps NATs and balancers in front of the gateway from dropping it; the client's pong goes on to
    /// the backend as an unsolicited pong (RFC 6455 allows one). The pong is traffic, so with pings a live client's
    /// socket stays open and <see cref="IdleTimeout"/> closes only those whose client stopped answering. Default 0
    /// (no pings), range 0 or 1 s to 1 h, and below <see cref="IdleTimeout"/>.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.Zero;
}
