namespace Gateway.Streaming;

/// <summary>The long-lived responses' step of the proxy pipeline.</summary>
internal static class StreamingApplicationBuilderExtensions
{
    /// <summary>Idle timeouts per route and the WebSocket relay (close frames on idle and on drain).</summary>
    public static IReverseProxyApplicationBuilder UseIdleTimeouts(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<IdleTimeoutMiddleware>();
        return proxy;
    }
}
