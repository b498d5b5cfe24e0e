namespace Gateway.Telemetry;

internal static class TelemetryConstants
{
    public const string MeterName = "Gateway";
    public const string DefaultServiceName = "gateway";
    public const string OtlpGrpc = "grpc";
    public const string OtlpHttpProtobuf = "http/protobuf";

    /// <summary>System.Net.Http's per-request instruments, exported only with <c>UpstreamRequestMetrics</c>.</summary>
    public static readonly string[] UpstreamRequestInstruments = ["http.client.request.duration", "http.client.active_requests"];
}
