using Gateway.ClientIdentity;
using Gateway.Limits;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.Limits;

/// <summary>The edge guard's decisions, without a server.</summary>
public sealed class EdgeGuardMiddlewareTests
{
    private static DefaultHttpContext Request(string method, string rawTarget, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    [Theory]
    [InlineData("GET", "/api/x")]
    [InlineData("POST", "/")]
    [InlineData("OPTIONS", "/api/x")]
    public void Check_OrdinaryRequest_Passes(string method, string target)
    {
        Assert.Null(EdgeGuardMiddleware.Check(Request(method, target, ("X-Api-Key", "k"), ("Accept", "*/*")), out _, out _, out _));
    }

    [Fact]
    public void Check_HeaderNameWithUnderscore_IsRefused()
    {
        Assert.Same(LimitsProblems.UnderscoreHeader, EdgeGuardMiddleware.Check(Request("GET", "/api/x", ("X_Api_Key", "k")), out _, out _, out _));
    }

    [Fact]
    public void Check_UnderscoreInValueOnly_Passes()
    {
        Assert.Null(EdgeGuardMiddleware.Check(Request("GET", "/api/x", ("X-Api-Key", "a_b")), out _, out _, out _));
    }

    [Theory]
    [InlineData("GET", "http://evil.example/api/x")]
    [InlineData("GET", "https://127.0.0.1/api/x")]
    public void Check_AbsoluteFormTarget_IsRefused(string method, string target)
    {
        Assert.Same(LimitsProblems.AbsoluteFormTarget, EdgeGuardMiddleware.Check(Request(method, target), out _, out _, out _));
    }

    [Fact]
    public void Check_AsteriskTarget_IsRefused()
    {
        Assert.Same(LimitsProblems.AsteriskTarget, EdgeGuardMiddleware.Check(Request("OPTIONS", "*"), out _, out _, out _));
    }

    [Fact]
    public void Check_Connect_IsRefused()
    {
        Assert.Same(LimitsProblems.ConnectMethod, EdgeGuardMiddleware.Check(Request("CONNECT", "evil.example:443"), out _, out _, out _));
    }

    [Fact]
    public void Check_ExtendedConnect_PassesForWebSocketsOverHttp2()
    {
        var context = Request("CONNECT", "/chat");
        context.Features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect());

        Assert.Null(EdgeGuardMiddleware.Check(context, out _, out _, out _));
    }

    [Theory]
    [InlineData("X-Gateway-Reason", true)]
    [InlineData("x-gateway-anything", true)]
    [InlineData("X-Request-Deadline", true)]
    [InlineData("x-request-deadline", true)]
    [InlineData("X-Gateway", false)]
    [InlineData("X-Gatewayish", false)]
    [InlineData("X-Request-Deadline-Hint", false)]
    [InlineData("X-Forwarded-For", false)]
    public void IsInternal_NamesTheGatewaysOwnHeadersOnly(string name, bool expected)
    {
        Assert.Equal(expected, InternalHeaderTransformProvider.IsInternal(name));
    }

    [Theory]
    [InlineData("X-Gateway-Region", true)]
    [InlineData("X-Request-Deadline", true)]
    [InlineData("X-Api-Key", false)]
    public void Check_NotesInternalHeadersForTheTransform(string name, bool expected)
    {
        Assert.Null(EdgeGuardMiddleware.Check(Request("GET", "/api/x", ("Accept", "*/*"), (name, "v")), out var internalHeaders, out _, out _));
        Assert.Equal(expected, internalHeaders);
    }

    [Theory]
    [InlineData("X-Real-IP", true)]
    [InlineData("x-real-ip", true)]
    [InlineData("X-REAL-IP", true)]
    [InlineData("X-Real-IP-Hint", false)]
    [InlineData("X-Forwarded-For", false)]
    public void Check_NotesRealIpForTheTransform(string name, bool expected)
    {
        var context = Request("GET", "/api/x", ("Accept", "*/*"), (name, "6.6.6.6"));

        Assert.Null(EdgeGuardMiddleware.Check(context, out var internalHeaders, out var realIp, out _));
        Assert.Equal(expected, realIp);
        Assert.False(internalHeaders);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "For")]
    [InlineData("x-forwarded-proto", "Proto")]
    [InlineData("X-FORWARDED-HOST", "Host")]
    [InlineData("X-Forwarded-Prefix", "Prefix")]
    [InlineData("X-Forwarded-Port", "None")]
    [InlineData("X-Forwarded-Fort", "None")]
    [InlineData("Forwarded", "None")]
    [InlineData("X-Real-IP", "None")]
    public void Check_NotesForwardedHeadersForTheTransform(string name, string expected)
    {
        var context = Request("GET", "/api/x", ("Accept", "*/*"), (name, "v"));

        Assert.Null(EdgeGuardMiddleware.Check(context, out _, out _, out var forwarded));
        Assert.Equal(Enum.Parse<TrustedForwarded>(expected), forwarded);
    }

    [Fact]
    public void Check_SeveralForwardedHeaders_AreAllNoted()
    {
        var context = Request("GET", "/api/x", ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Real-IP", "203.0.113.7"));

        Assert.Null(EdgeGuardMiddleware.Check(context, out _, out var realIp, out var forwarded));
        Assert.True(realIp);
        Assert.Equal(TrustedForwarded.For | TrustedForwarded.Proto, forwarded);
    }

    [Fact]
    public void InternalHeaderScan_Of_SharesOneInstancePerCombinationWithForwardedHeaders()
    {
        foreach (var internalHeaders in new[] { false, true })
        {
            foreach (var sender in Enum.GetValues<RealIpSender>())
            {
                for (var forwarded = TrustedForwarded.None; forwarded <= TrustedForwarded.All; forwarded++)
                {
                    var scan = InternalHeaderScan.Of(internalHeaders, sender, forwarded);
                    Assert.Same(scan, InternalHeaderScan.Of(internalHeaders, sender, forwarded));
                    Assert.Equal(internalHeaders, scan.InternalHeaders);
                    Assert.Equal(sender, scan.RealIp);
                    Assert.Equal(forwarded, scan.Forwarded);
                }
            }
        }
    }

    [Fact]
    public void InternalHeaderScan_Of_SharesOneInstancePerCombination()
    {
        foreach (var internalHeaders in new[] { false, true })
        {
            foreach (var sender in Enum.GetValues<RealIpSender>())
            {
                var scan = InternalHeaderScan.Of(internalHeaders, sender);
                Assert.Same(scan, InternalHeaderScan.Of(internalHeaders, sender));
                Assert.Equal(internalHeaders, scan.InternalHeaders);
                Assert.Equal(sender, scan.RealIp);
            }
        }
    }

    private sealed class ExtendedConnect : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => true;

        public string? Protocol => "websocket";

        public ValueTask<Stream> AcceptAsync() => ValueTask.FromResult(Stream.Null);
    }
}
