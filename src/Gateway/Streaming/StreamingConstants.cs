namespace Gateway.Streaming;

/// <summary>Defaults, limits and metadata keys of long-lived responses: streams and WebSockets.</summary>
internal static class StreamingConstants
{
    public const string SectionPath = "Gateway:WebSockets";

    /// <summary>
    /// Route metadata: the forwarder's idle timeout for this route's requests (a streamed body, a slow download),
    /// instead of the cluster's <c>HttpRequest:ActivityTimeout</c>.
    /// </summary>
    public const string RouteIdleTimeoutMetadataKey = "IdleTimeout";

    /// <summary>Route metadata: how long a WebSocket on this route may stay silent, instead of <c>Gateway:WebSockets:IdleTimeout</c>.</summary>
    public const string RouteWebSocketIdleTimeoutMetadataKey = "WebSocketIdleTimeout";

    // Chat and notification sockets are often quiet for minutes between messages; browsers and most clients send no
    // pings of their own. Five minutes is what AWS ALB's and nginx's users commonly raise their 60 s default to.
    public static readonly TimeSpan DefaultWebSocketIdleTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinIdleTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxKeepAliveInterval = TimeSpan.FromHours(1);

    // A day bounds a connection that leaked without limiting any real stream (as the resilience policy's IdleTimeout).
    public static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromHours(24);

    // How long each end has to answer the gateway's close frame before its connection is cut: a live peer answers in
    // a round trip.
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    // YARP's own ActivityTimeout default, for a cluster model that has none (the gateway fills one in for every cluster).
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(100);

    /// <summary>RFC 6455 close code 1001 Going Away: the server is going down (the drain) or the conversation has ended.</summary>
    public const ushort GoingAway = 1001;

    public const string DrainReason = "drain";
    public const string IdleReason = "idle";
}
