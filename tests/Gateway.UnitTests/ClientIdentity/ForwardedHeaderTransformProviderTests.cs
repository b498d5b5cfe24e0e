using System.Net;
using Gateway.ClientIdentity;
using Gateway.Limits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.UnitTests.ClientIdentity;

/// <summary>The <c>X-Forwarded-*</c> actions chosen per request, without a server (functional tests: EdgeGuardTests).</summary>
public sealed class ForwardedHeaderTransformProviderTests
{
    private static readonly (string Name, string Value)[] s_proxied =
    [
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "shop.example"),
        ("X-Forwarded-Prefix", "/shop"),
        ("Forwarded", "for=203.0.113.7;proto=https"),
    ];

    private static async Task<HttpRequestMessage> TransformAsync(InternalHeaderScan? scan, params (string Name, string Value)[] headers)
    {
        var builder = new TransformBuilderContext { Services = new ServiceCollection().BuildServiceProvider() };
        new ForwardedHeaderTransformProvider().Apply(builder);

        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("gw.example");
        if (scan is not null)
        {
            ProxyRequestState.Of(http).Headers = scan;
        }

        // YARP copies the request headers before any transform runs.
        var proxy = new HttpRequestMessage();
        foreach (var (name, value) in headers)
        {
            http.Request.Headers.Append(name, value);
            proxy.Headers.TryAddWithoutValidation(name, value);
        }

        var context = new RequestTransformContext
        {
            HttpContext = http,
            ProxyRequest = proxy,
            HeadersCopied = true,
            Path = http.Request.Path,
            Query = new QueryTransformContext(http.Request),
            DestinationPrefix = "http://backend.example",
        };
        foreach (var transform in builder.RequestTransforms)
        {
            await transform.ApplyAsync(context);
        }

        return proxy;
    }

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [Fact]
    public async Task Apply_UntrustedPeer_SetsEveryHeaderFromWhatTheGatewaySaw()
    {
        using var request = await TransformAsync(InternalHeaderScan.None, s_proxied);

        Assert.Equal("127.0.0.1", Header(request, "X-Forwarded-For"));
        Assert.Equal("http", Header(request, "X-Forwarded-Proto"));
        Assert.Equal("gw.example", Header(request, "X-Forwarded-Host"));
        Assert.Null(Header(request, "X-Forwarded-Prefix"));
        Assert.Null(Header(request, "Forwarded"));
    }

    [Fact]
    public async Task Apply_NoEdgeGuardScan_SetsEveryHeader()
    {
        using var request = await TransformAsync(scan: null, s_proxied);

        Assert.Equal("127.0.0.1", Header(request, "X-Forwarded-For"));
        Assert.Equal("http", Header(request, "X-Forwarded-Proto"));
        Assert.Equal("gw.example", Header(request, "X-Forwarded-Host"));
        Assert.Null(Header(request, "X-Forwarded-Prefix"));
    }

    [Fact]
    public async Task Apply_TrustedProxySentAll_AppendsToForAndKeepsTheRest()
    {
        using var request = await TransformAsync(InternalHeaderScan.Of(false, RealIpSender.None, TrustedForwarded.All), s_proxied);

        Assert.Equal("203.0.113.7, 127.0.0.1", Header(request, "X-Forwarded-For"));
        Assert.Equal("https", Header(request, "X-Forwarded-Proto"));
        Assert.Equal("shop.example", Header(request, "X-Forwarded-Host"));
        Assert.Equal("/shop", Header(request, "X-Forwarded-Prefix"));
        Assert.Null(Header(request, "Forwarded"));
    }

    [Fact]
    public async Task Apply_TrustedProxySentProtoOnly_KeepsProtoAndSetsTheRest()
    {
        using var request = await TransformAsync(
            InternalHeaderScan.Of(false, RealIpSender.None, TrustedForwarded.Proto), ("X-Forwarded-Proto", "https"));

        Assert.Equal("127.0.0.1", Header(request, "X-Forwarded-For"));
        Assert.Equal("https", Header(request, "X-Forwarded-Proto"));
        Assert.Equal("gw.example", Header(request, "X-Forwarded-Host"));
        Assert.Null(Header(request, "X-Forwarded-Prefix"));
    }

    [Fact]
    public void Apply_RouteConfiguredItsOwnForwarders_AddsNothing()
    {
        var builder = new TransformBuilderContext { Services = new ServiceCollection().BuildServiceProvider() };
        builder.AddXForwarded(ForwardedTransformActions.Append);
        var configured = builder.RequestTransforms.Count;

        new ForwardedHeaderTransformProvider().Apply(builder);

        Assert.Equal(configured, builder.RequestTransforms.Count);
        Assert.False(builder.UseDefaultForwarders);
    }

    [Fact]
    public void Apply_NothingConfigured_TakesThePlaceOfYarpsDefaults()
    {
        var builder = new TransformBuilderContext { Services = new ServiceCollection().BuildServiceProvider() };

        new ForwardedHeaderTransformProvider().Apply(builder);

        Assert.False(builder.UseDefaultForwarders);
        Assert.Equal(2, builder.RequestTransforms.Count);
    }
}
