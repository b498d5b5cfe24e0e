using Gateway.Grpc;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Grpc;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc-web", true)]
    [InlineData("application/grpc-web-text", true)]
    [InlineData("application/GRPC;charset=utf-8", true)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_GrpcFamily_Recognised(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("1500u", 15_000L)]
    [InlineData("99999999n", 999_999L)]
    [InlineData("0m", 0L)]
    public void TryParseTimeout_EveryUnit_ConvertsToTicks(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(new StringValues(value), out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("100")]
    [InlineData("100x")]
    [InlineData("-1m")]
    [InlineData("123456789m")]
    [InlineData("1.5S")]
    public void TryParseTimeout_OutsideTheGrammar_Ignored(string value) =>
        Assert.False(GrpcProtocol.TryParseTimeout(new StringValues(value), out _));

    [Fact]
    public void TryParseTimeout_TwoValues_Ignored() =>
        Assert.False(GrpcProtocol.TryParseTimeout(new StringValues(["1S", "2S"]), out _));

    [Theory]
    [InlineData(0L, "1m")]
    [InlineData(1500L, "1500m")]
    [InlineData(99_999_999L, "99999999m")]
    [InlineData(100_000_000L, "100000S")]
    public void FormatTimeout_Milliseconds_FitsEightDigits(long milliseconds, string expected) =>
        Assert.Equal(expected, GrpcProtocol.FormatTimeout(milliseconds));

    [Fact]
    public void EncodeMessage_NonAsciiAndPercent_PercentEncoded() =>
        Assert.Equal("50%25 d%C3%A9j%C3%A0%0A", GrpcProtocol.EncodeMessage("50% déjà\n"));
}
