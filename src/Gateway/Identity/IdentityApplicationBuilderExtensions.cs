namespace Gateway.Identity;

/// <summary>The identity step of the request path and its transform.</summary>
internal static class IdentityApplicationBuilderExtensions
{
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
