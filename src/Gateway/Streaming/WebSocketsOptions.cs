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
}
