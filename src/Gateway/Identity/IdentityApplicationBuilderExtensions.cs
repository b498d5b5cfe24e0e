namespace Gateway.Identity;

/// <summary>The identity step of the request path and its transform.</summary>
internal static class IdentityApplicationBuilderExtensions
{
    // ASP.NET Core's own name for "UseAuthorization was called" (AuthorizationAppBuilderExtensions.AuthorizationMiddlewareSetKey),
    // which WebApplication checks before it adds the middleware itself.
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    /// <summary>
    /// Keeps ASP.NET Core's authorization middleware out of the request path. YARP registers the authorization
    /// services, and WebApplication then puts that middleware in front of every request on its own; but the gateway
    /// applies a route's <c>AuthorizationPolicy</c> itself (<see cref="UseIdentity"/>, and <see cref="IdentityRoutes"/>
    /// takes the field off the routes YARP sees), and no endpoint carries authorization metadata, so the middleware
    /// would decide nothing and cost every request an async state machine and a fallback-policy lookup.
    /// </summary>
    public static WebApplication LeaveOutAspNetCoreAuthorization(this WebApplication app)
    {
        ((IApplicationBuilder)app).Properties[AuthorizationMiddlewareSetKey] = true;
        return app;
    }

    /// <summary>Checks the credential the route's <c>AuthorizationPolicy</c> requires: 401 <c>unauthenticated</c>, 403 <c>forbidden</c>.</summary>
    public static IReverseProxyApplicationBuilder UseIdentity(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<IdentityMiddleware>();
        return proxy;
    }

    /// <summary>Sets the consumer header for backends.</summary>
    public static IReverseProxyBuilder AddIdentityTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<IdentityTransformProvider>();
}
