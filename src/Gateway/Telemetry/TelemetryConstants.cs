namespace Gateway.Telemetry;

internal static class TelemetryConstants
{
    public const string MeterName = "Gateway";
    public const string DefaultServiceName = "gateway";
    public const string OtlpGrpc = "grpc";
    public const string OtlpHttpProtobuf = "http/protobuf";

    /// <summary>
    /// System.Net.Http's instruments that change on every attempt, exported only with <c>UpstreamRequestMetrics</c>.
    /// <c>http.client.open_connections</c> is one: a pooled connection moves from idle to active and back on each
    /// request, two updates each way.
    /// </summary>
    public static readonly string[] UpstreamRequestInstruments = ["http.client.request.duration", "http.client.active_requests", "http.client.open_connections"];

    /// <summary>ASP.NET Core routing's per-request counter, exported only with <c>RouteMatchMetrics</c>.</summary>
    public static readonly string[] RouteMatchInstruments = ["aspnetcore.routing.match_attempts"];
}
