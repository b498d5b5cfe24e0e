using Gateway.Resilience;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.Resilience;

public sealed class ClientDeadlineTests
{
    private static HttpRequest Request(string? deadline = null, string? grpcTimeout = null, string? contentType = null)
    {
        var request = new DefaultHttpContext().Request;
        if (deadline is not null)
        {
            request.Headers["X-Request-Deadline"] = deadline;
        }

        if (grpcTimeout is not null)
        {
            request.Headers["grpc-timeout"] = grpcTimeout;
        }

        request.ContentType = contentType;
        return request;
    }

    [Theory]
    [InlineData("950", 950)]
    [InlineData("0", 0)]
    [InlineData("999999999", 999_999_999)]
    public void Of_WholeMilliseconds_IsTheBudget(string value, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ClientDeadline.Of(Request(value)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1.5")]
    [InlineData("1s")]
    [InlineData(" 5")]
    [InlineData("1000000000")]
    public void Of_NotWholeMilliseconds_IsIgnored(string value)
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, ClientDeadline.Of(Request(value)));
    }

    [Fact]
    public void Of_TwoValues_IsIgnored()
    {
        var request = Request();
        request.Headers["X-Request-Deadline"] = new(["100", "200"]);

        Assert.Equal(Timeout.InfiniteTimeSpan, ClientDeadline.Of(request));
    }

    [Fact]
    public void Of_NoHeader_IsNone()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, ClientDeadline.Of(Request()));
    }

    [Fact]
    public void Of_GrpcCall_ReadsGrpcTimeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), ClientDeadline.Of(Request(grpcTimeout: "2S", contentType: "application/grpc")));
    }

    [Fact]
    public void Of_GrpcTimeoutOnAnythingButGrpc_IsIgnored()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, ClientDeadline.Of(Request(grpcTimeout: "2S", contentType: "application/json")));
    }

    [Theory]
    [InlineData("300", "2S", 300)]
    [InlineData("3000", "200m", 200)]
    public void Of_GrpcCallWithBoth_TheTighterWins(string deadline, string grpcTimeout, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ClientDeadline.Of(Request(deadline, grpcTimeout, "application/grpc")));
    }
}
