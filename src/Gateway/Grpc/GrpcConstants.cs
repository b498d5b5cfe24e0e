namespace Gateway.Grpc;

/// <summary>The parts of the gRPC-over-HTTP/2 protocol the gateway reads and writes.</summary>
internal static class GrpcConstants
{
    /// <summary>Every gRPC content type starts so: <c>application/grpc</c>, <c>+proto</c>, <c>+json</c>, <c>-web</c>.</summary>
    public const string ContentTypePrefix = "application/grpc";

    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    /// <summary>The client's deadline: up to 8 digits and a unit (H, M, S, m, u, n).</summary>
    public const string TimeoutHeader = "grpc-timeout";

    /// <summary>How long a client should wait before retrying, in milliseconds (gRFC A6).</summary>
    public const string RetryPushbackHeader = "grpc-retry-pushback-ms";

    /// <summary>The largest value <c>grpc-timeout</c> can carry: 8 digits.</summary>
    public const long MaxTimeoutValue = 99_999_999;

    /// <summary>Cluster metadata key declaring the backend's protocol.</summary>
    public const string ProtocolMetadataKey = "Protocol";

    /// <summary>
    /// <c>Protocol</c> value of a gRPC cluster: its requests go out as HTTP/2 exactly (h2c to an <c>http://</c>
    /// destination), as if the cluster set <c>HttpRequest:Version</c> 2 and <c>VersionPolicy</c> RequestVersionExact.
    /// </summary>
    public const string ProtocolGrpc = "grpc";

    /// <summary><c>Protocol</c> value of a plain HTTP cluster (the default: YARP's own version negotiation).</summary>
    public const string ProtocolHttp = "http";
}
