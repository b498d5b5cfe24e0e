using Gateway.Grpc;
using Gateway.Telemetry;

namespace Gateway.UnitTests.Grpc;

public sealed class GrpcStatusCodeTests
{
    [Theory]
    [InlineData(GatewayReason.RateLimited, 429, GrpcStatusCode.ResourceExhausted)]
    [InlineData(GatewayReason.Overloaded, 503, GrpcStatusCode.Unavailable)]
    [InlineData(GatewayReason.CircuitOpen, 503, GrpcStatusCode.Unavailable)]
    [InlineData(GatewayReason.NoHealthyDestination, 503, GrpcStatusCode.Unavailable)]
    [InlineData(GatewayReason.UpstreamUnreachable, 502, GrpcStatusCode.Unavailable)]
    [InlineData(GatewayReason.UpstreamTimeout, 504, GrpcStatusCode.DeadlineExceeded)]
    [InlineData(GatewayReason.RequestTooLarge, 413, GrpcStatusCode.ResourceExhausted)]
    [InlineData(GatewayReason.BadRequest, 400, GrpcStatusCode.Internal)]
    [InlineData("something-new", 404, GrpcStatusCode.Unimplemented)]
    [InlineData("something-new", 418, GrpcStatusCode.Unknown)]
    public void ForAnswer_EveryReason_MapsToItsStatus(string reason, int httpStatus, int expected) =>
        Assert.Equal(expected, GrpcStatusCode.ForAnswer(reason, httpStatus));
}
