namespace Gateway.AccessLog;

/// <summary>The access log's steps of the request path; each costs nothing when the access log is off.</summary>
internal static class AccessLogApplicationBuilderExtensions
{
    /// <summary>One JSON line per sampled proxy request, queued for the background writer.</summary>
    public static IApplicationBuilder UseAccessLog(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<AccessLogOptions>().Enabled ? app.UseMiddleware<AccessLogMiddleware>() : app;

    /// <summary>Counts attempts, takes the trace id sent and the time the backend's headers arrive.</summary>
    public static IReverseProxyBuilder AddAccessLogTransforms(this IReverseProxyBuilder builder, AccessLogOptions options) =>
        options.Enabled ? builder.AddTransforms<AccessLogTransformProvider>() : builder;
}
