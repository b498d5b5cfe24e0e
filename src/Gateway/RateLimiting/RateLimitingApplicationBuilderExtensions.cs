namespace Gateway.RateLimiting;

/// <summary>The rate-limiting step of the request path.</summary>
internal static class RateLimitingApplicationBuilderExtensions
{
    /// <summary>Applies the matched route's <c>RateLimiterPolicy</c>: 429 <c>rate-limited</c> when its limit is used up.</summary>
    public static IReverseProxyApplicationBuilder UseRouteRateLimits(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<RateLimitingMiddleware>();
        return proxy;
    }
}
