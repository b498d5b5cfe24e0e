using System.Globalization;
using System.Text.Json;
using Gateway.Grpc;
using Gateway.Telemetry;

namespace Gateway.Answers;

/// <summary>
/// One kind of answer the gateway gives itself: status, reason and a pre-serialized RFC 9457 body, and the gRPC
/// status and message a gRPC call gets instead, built once so that refusing a request (the common case in a storm)
/// allocates nothing.
/// </summary>
internal sealed class GatewayProblem
{
    private GatewayProblem(int status, string reason, string title, string detail)
    {
        Status = status;
        Reason = reason;
        Title = title;
        Body = JsonSerializer.SerializeToUtf8Bytes(new ProblemBody($"urn:gateway:problem:{reason}", title, status, detail, reason), ProblemJsonContext.Default.ProblemBody);
        GrpcStatus = GrpcStatusCode.ForAnswer(reason, status).ToString(CultureInfo.InvariantCulture);
        GrpcMessage = GrpcProtocol.EncodeMessage($"{reason}: {detail}");
    }

    public int Status { get; }

    public string Reason { get; }

    public string Title { get; }

    public byte[] Body { get; }

    /// <summary>The <c>grpc-status</c> a gRPC call gets instead of <see cref="Status"/>.</summary>
    public string GrpcStatus { get; }

    /// <summary>The <c>grpc-message</c>: the reason, then the detail, percent-encoded as the protocol wants.</summary>
    public string GrpcMessage { get; }

    public static GatewayProblem NoHealthyDestination { get; } = new(
        StatusCodes.Status503ServiceUnavailable,
        GatewayReason.NoHealthyDestination,
        "No healthy destination",
        "Every destination of the route's cluster is unhealthy or unavailable.");

    /// <summary>Refused by the cluster's bulkhead or by load shedding: the same answer, so clients handle one.</summary>
    public static GatewayProblem Overloaded { get; } = new(
        StatusCodes.Status503ServiceUnavailable,
        GatewayReason.Overloaded,
        "Overloaded",
        "The route's cluster has as many requests in flight as it can take now (its bulkhead or its adaptive concurrency limit); the gateway refused this one rather than let it wait. Retry after the time given.");

    public static GatewayProblem UpstreamUnreachable { get; } = new(
        StatusCodes.Status502BadGateway,
        GatewayReason.UpstreamUnreachable,
        "Upstream unreachable",
        "The gateway could not get a response from the backend: the connection was refused, not accepted in time, reset or broken.");

    public static GatewayProblem UpstreamTimeout { get; } = new(
        StatusCodes.Status504GatewayTimeout,
        GatewayReason.UpstreamTimeout,
        "Upstream timeout",
        "The backend did not answer in time.");

    /// <summary>A message for a reason without a predefined body (used by features added later).</summary>
    public static GatewayProblem Create(int status, string reason, string title, string detail) => new(status, reason, title, detail);
}

internal sealed record ProblemBody(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("title")] string Title,
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] int Status,
    [property: System.Text.Json.Serialization.JsonPropertyName("detail")] string Detail,
    [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string Reason);

[System.Text.Json.Serialization.JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ProblemJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
