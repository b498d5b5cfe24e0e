using Yarp.ReverseProxy.Configuration;

namespace Gateway.Identity;

/// <summary>
/// YARP turns a route's <c>AuthorizationPolicy</c> into ASP.NET Core authorization metadata and refuses a name that
/// ASP.NET Core's policy provider does not know. The gateway applies the field itself (<see cref="IdentityMiddleware"/>),
/// so YARP gets its routes without it; the snapshot keeps the field for validation, <c>/admin/config</c> and the step.
/// </summary>
internal static class IdentityRoutes
{
    public static RouteConfig ForYarp(RouteConfig route) =>
        route.AuthorizationPolicy is null ? route : route with { AuthorizationPolicy = null };
}
