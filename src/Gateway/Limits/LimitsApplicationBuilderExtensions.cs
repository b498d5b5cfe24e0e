using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Limits;

/// <summary>The edge's steps of the request path: connection admission, request guards and header hygiene.</summary>
internal static class LimitsApplicationBuilderExtensions
{
    /// <summary>Admits a proxy connection under the connection cap and the new-connection rates, or closes it unread.</summary>
    public static ListenOptions UseProxyConnectionLimit(this ListenOptions listener, ProxyConnectionLimit limit)
    {
        listener.Use(limit.Wrap);
        return listener;
    }

    /// <summary>Refuses requests that must never reach a route (underscored header names, CONNECT, odd targets).</summary>
    public static IApplicationBuilder UseEdgeGuard(this IApplicationBuilder app) => app.UseMiddleware<EdgeGuardMiddleware>();

    /// <summary>Applies the route's body size limit (413 before the body is read when Content-Length says so).</summary>
    public static IReverseProxyApplicationBuilder UseRequestBodyLimit(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<RequestBodyLimitMiddleware>();
        return proxy;
    }

    /// <summary>Strips client copies of the headers the gateway sets itself.</summary>
    public static IReverseProxyBuilder AddInternalHeaderTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<InternalHeaderTransformProvider>();

    /// <summary>Removes the headers a client names in <c>Connection</c> (hop-by-hop).</summary>
    public static IReverseProxyBuilder AddConnectionHeaderTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms<ConnectionHeaderTransformProvider>();
}
