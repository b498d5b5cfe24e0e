namespace Gateway.Health;

/// <summary>The health step of the request path (YARP's own passive health checks are listed beside it).</summary>
internal static class HealthApplicationBuilderExtensions
{
    /// <summary>503 <c>no-healthy-destination</c> at once when health filtering left nothing to send to.</summary>
    public static IReverseProxyApplicationBuilder UseNoHealthyDestinationAnswer(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<NoHealthyDestinationMiddleware>();
        return proxy;
    }
}
