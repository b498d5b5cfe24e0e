namespace Gateway.Shutdown;

/// <summary>The graceful drain's step of the request path.</summary>
internal static class ShutdownApplicationBuilderExtensions
{
    /// <summary>While draining, HTTP/1.x answers carry <c>Connection: close</c>.</summary>
    public static IApplicationBuilder UseDrainConnectionClose(this IApplicationBuilder app) => app.UseMiddleware<DrainConnectionCloseMiddleware>();
}
