namespace Gateway.Grpc;

/// <summary>The gRPC status codes the gateway gives (the numbers are the protocol's, doc/statuscodes.md).</summary>
internal static class GrpcStatusCode
{
    public const int Unknown = 2;
    public const int DeadlineExceeded = 4;
    public const int PermissionDenied = 7;
    public const int ResourceExhausted = 8;
    public const int Unimplemented = 12;
    public const int Internal = 13;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;

    /// <summary>
    /// The status of an answer the gateway gives itself, by its reason: a rate limit is RESOURCE_EXHAUSTED (the
    /// client's quota), a deadline DEADLINE_EXCEEDED, and every refusal that a later retry can get past (overloaded,
    /// circuit open, no healthy destination, unreachable) UNAVAILABLE, the status gRPC clients retry. Anything else
    /// follows gRPC's own HTTP-to-gRPC mapping (doc/http-grpc-status-mapping.md).
    /// </summary>
    public static int ForAnswer(string reason, int httpStatus) => reason switch
    {
        Telemetry.GatewayReason.RateLimited => ResourceExhausted,
        // gRPC's code for a message over the receiver's size limit.
        Telemetry.GatewayReason.RequestTooLarge => ResourceExhausted,
        Telemetry.GatewayReason.UpstreamTimeout => DeadlineExceeded,
        Telemetry.GatewayReason.Overloaded or
        Telemetry.GatewayReason.CircuitOpen or
        Telemetry.GatewayReason.NoHealthyDestination or
        Telemetry.GatewayReason.UpstreamUnreachable => Unavailable,
        _ => httpStatus switch
        {
            StatusCodes.Status400BadRequest => Internal,
            StatusCodes.Status401Unauthorized => Unauthenticated,
            StatusCodes.Status403Forbidden => PermissionDenied,
            StatusCodes.Status404NotFound => Unimplemented,
            StatusCodes.Status429TooManyRequests or
            StatusCodes.Status502BadGateway or
            StatusCodes.Status503ServiceUnavailable or
            StatusCodes.Status504GatewayTimeout => Unavailable,
            _ => Unknown,
        },
    };
}
