namespace Gateway.Telemetry;

internal static class TelemetryConstants
{
    public const string MeterName = "Gateway";
    public const string DefaultServiceName = "gateway";
    public const string OtlpGrpc = "grpc";
    public const string OtlpHttpProtobuf = "http/protobuf";
}
