namespace Gateway.Telemetry;

/// <summary>The telemetry steps of the request path.</summary>
internal static class TelemetryApplicationBuilderExtensions
{
    /// <summary>Tags admin-listener requests on ASP.NET Core's request metrics, which also feed the console's series.</summary>
    public static IApplicationBuilder UseListenerTag(this IApplicationBuilder app) => app.UseMiddleware<ListenerTagMiddleware>();

    /// <summary>
    /// Writes W3C trace context to backends when there is no tracer (with one, HttpClient's instrumentation does).
    /// </summary>
    public static IReverseProxyBuilder AddTraceContextTransforms(this IReverseProxyBuilder builder, TelemetryOptions options) =>
        TelemetryServiceCollectionExtensions.OtlpEndpoint(options) is null ? builder.AddTransforms<TraceContextTransformProvider>() : builder;
}
