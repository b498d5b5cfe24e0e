namespace Gateway.Telemetry;

/// <summary>The telemetry steps of the request path.</summary>
internal static class TelemetryApplicationBuilderExtensions
{
    /// <summary>Counts every proxy request and the gateway's own answers for the operator console.</summary>
    public static IApplicationBuilder UseTrafficStats(this IApplicationBuilder app) => app.UseMiddleware<TrafficStatsMiddleware>();

    /// <summary>
    /// Writes W3C trace context to backends when there is no tracer (with one, HttpClient's instrumentation does).
    /// </summary>
    public static IReverseProxyBuilder AddTraceContextTransforms(this IReverseProxyBuilder builder, TelemetryOptions options) =>
        TelemetryServiceCollectionExtensions.OtlpEndpoint(options) is null ? builder.AddTransforms<TraceContextTransformProvider>() : builder;
}
