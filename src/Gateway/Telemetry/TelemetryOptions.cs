namespace Gateway.Telemetry;

/// <summary>OpenTelemetry export: <c>Gateway:Telemetry</c>. Read at start-up; a change needs a restart.</summary>
public sealed record TelemetryOptions
{
    /// <summary>The <c>service.name</c> resource attribute. Default <c>gateway</c>.</summary>
    public string ServiceName { get; init; } = TelemetryConstants.DefaultServiceName;

    /// <summary>
    /// Whether the forwarder's HttpClient records its per-attempt instruments (<c>http.client.request.duration</c>,
    /// <c>http.client.active_requests</c>, <c>http.client.open_connections</c>) for each backend. Default false:
    /// <c>http.server.request.duration</c> already times every request, and these cost about 420 bytes, a histogram
    /// update and six counter updates per attempt; <c>http.client.connection.duration</c> is exported either way.
    /// </summary>
    public bool UpstreamRequestMetrics { get; init; }

    /// <summary>
    /// Whether ASP.NET Core routing counts its match attempts (<c>aspnetcore.routing.match_attempts</c>). Default
    /// false: a counter update per request, and <c>http.server.request.duration</c> already counts every request by
    /// <c>http.route</c>, unmatched ones (404) included.
    /// </summary>
    public bool RouteMatchMetrics { get; init; }

    /// <summary>OTLP export of traces and metrics; absent (no endpoint) means no OTLP export.</summary>
    public OtlpOptions Otlp { get; init; } = new();
}

/// <summary>OTLP exporter settings: <c>Gateway:Telemetry:Otlp</c>.</summary>
public sealed record OtlpOptions
{
    /// <summary>The collector's absolute URL, e.g. <c>http://127.0.0.1:4317</c>. Default none (no export).</summary>
    public string? Endpoint { get; init; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string Protocol { get; init; } = TelemetryConstants.OtlpGrpc;
}
