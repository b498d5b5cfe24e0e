using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    // ASP.NET Core and System.Net.Http publish these meters themselves; listening to them directly costs nothing per
    // request beyond the measurement, where OpenTelemetry's instrumentation packages add a middleware and
    // diagnostic listeners that make every request allocate an Activity (measured: about a third of the gateway's
    // CPU per request went to that and the garbage it made).
    private static readonly string[] s_builtInMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
    ];

    /// <summary>
    /// Metrics always (Prometheus text on the admin listener, OTLP when configured); traces only when OTLP is
    /// configured, since an unexported span is cost without use. W3C trace context reaches backends either way:
    /// HttpClient propagates the request's activity when there is a tracer, <see cref="TraceContextTransformProvider"/>
    /// writes it when there is none.
    /// </summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        services.AddSingleton<GatewayMetrics>();
        var otlpEndpoint = OtlpEndpoint(options);
        var protocol = options.Otlp.Protocol == TelemetryConstants.OtlpHttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;

        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(TelemetryConstants.MeterName)
                    .AddMeter(s_builtInMeters)
                    // Scrapes are rare and cheap; a cache would show operators stale numbers.
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                // Dropped streams leave the instruments without a listener, and their owners then skip them:
                // HttpClient's MetricsHandler its per-request path (an async state machine and a boxed status code
                // per attempt), its connections their idle/active updates, routing its counter.
                Drop(metrics, options.UpstreamRequestMetrics ? [] : TelemetryConstants.UpstreamRequestInstruments);
                Drop(metrics, options.RouteMatchMetrics ? [] : TelemetryConstants.RouteMatchInstruments);

                if (otlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter(o => { o.Endpoint = otlpEndpoint; o.Protocol = protocol; });
                }
            });

        if (otlpEndpoint is not null)
        {
            builder.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource("Yarp.ReverseProxy")
                .AddOtlpExporter(o => { o.Endpoint = otlpEndpoint; o.Protocol = protocol; }));
        }

        return services;
    }

    private static void Drop(MeterProviderBuilder metrics, string[] instruments)
    {
        foreach (var instrument in instruments)
        {
            metrics.AddView(instrument, MetricStreamConfiguration.Drop);
        }
    }

    /// <summary>The OTLP endpoint when export is configured; null means no tracer.</summary>
    internal static Uri? OtlpEndpoint(TelemetryOptions options) =>
        options.Otlp.Endpoint is { } endpoint && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri : null;
}
