using System.Text;
using LoadTests.Clients;
using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Clients;

public sealed class RawHttpHeadTests
{
    [Fact]
    public void TryParse_GatewayRefusal_StatusLengthReasonAndRetryAfter()
    {
        var head = Parse("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nRetry-After: 2\r\nX-Gateway-Reason: overloaded");

        Assert.Equal(new RawHttpHead(503, 0, Chunked: false, Close: false, "2", "overloaded"), head);
        Assert.Same("overloaded", head!.Value.GatewayReason);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", true, false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked", true, false)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5", false, true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 5", false, true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5", false, true)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5", false, false)]
    public void TryParse_Framing(string text, bool chunked, bool close)
    {
        var head = Parse(text)!.Value;

        Assert.Equal((chunked, close), (head.Chunked, head.Close));
        Assert.Equal(chunked ? -1 : 5, head.ContentLength);
    }

    [Fact]
    public void TryParse_NoLengthNoChunks_BodyRunsToClose_ButNotFor204()
    {
        Assert.True(Parse("HTTP/1.1 200 OK")!.Value.BodyToClose);
        Assert.False(Parse("HTTP/1.1 204 No Content")!.Value.BodyToClose);
        Assert.False(Parse("HTTP/1.1 304 Not Modified")!.Value.HasBody);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SSH-2.0-OpenSSH")]
    [InlineData("HTTP/1.1 2x0 OK")]
    [InlineData("HTTP/2 200 OK")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12ab")]
    public void TryParse_NotAnHttp1Head_IsNull(string text) => Assert.Null(Parse(text));

    [Fact]
    public void ParseRetryAfter_SecondsOrDate()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(TimeSpan.FromSeconds(3), RawHttpHead.ParseRetryAfter("3", time));
        Assert.Equal(TimeSpan.FromSeconds(7), RawHttpHead.ParseRetryAfter("Sun, 06 Dec 2026 12:00:07 GMT", time));
        Assert.Equal(TimeSpan.Zero, RawHttpHead.ParseRetryAfter("Sun, 06 Dec 2026 11:59:00 GMT", time));
        Assert.Null(RawHttpHead.ParseRetryAfter("soon", time));
        Assert.Null(RawHttpHead.ParseRetryAfter(null, time));
    }

    private static RawHttpHead? Parse(string text) => RawHttpHead.TryParse(Encoding.ASCII.GetBytes(text));
}
