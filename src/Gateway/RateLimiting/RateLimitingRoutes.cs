using Yarp.ReverseProxy.Configuration;

namespace Gateway.RateLimiting;

/// <summary>
/// YARP hands a route's <c>RateLimiterPolicy</c> to ASP.NET Core's rate limiter and refuses a name that limiter
/// does not know. The gateway applies the field itself (<see cref="RateLimitingMiddleware"/>), so YARP gets its
/// routes without it; the snapshot keeps the field for validation, <c>/admin/config</c> and the middleware.
/// </summary>
internal static class RateLimitingRoutes
{
    public static IReadOnlyList<RouteConfig> ForYarp(IReadOnlyList<RouteConfig> routes)
    {
        var any = false;
        foreach (var route in routes)
        {
            any |= route.RateLimiterPolicy is not null;
        }

        if (!any)
        {
            return routes;
        }

        var stripped = new RouteConfig[routes.Count];
        for (var i = 0; i < routes.Count; i++)
        {
            stripped[i] = ForYarp(routes[i]);
        }

        return stripped;
    }

    public static RouteConfig ForYarp(RouteConfig route) =>
        route.RateLimiterPolicy is null ? route : route with { RateLimiterPolicy = null };
}
