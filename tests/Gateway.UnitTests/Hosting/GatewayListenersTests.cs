using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Utilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Hosting;

/// <summary>The proxy listeners from <c>Kestrel:Endpoints</c> or <c>--urls</c>, and every way they can be refused.</summary>
public sealed class GatewayListenersTests
{
    private static (GatewayListeners Listeners, IReadOnlyList<ConfigError> Errors) Read(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
        var errors = new ConfigErrorList();
        return (GatewayListeners.From(configuration, Directory.GetCurrentDirectory(), TimeProvider.System, errors), errors.Errors);
    }

    private static ConfigError SingleError(params (string Key, string Value)[] values)
    {
        var (_, errors) = Read(values);
        return Assert.Single(errors);
    }

    [Fact]
    public void From_KestrelEndpoints_OneListenerEachWithItsProtocols()
    {
        var (listeners, errors) = Read(
            ("Kestrel:Endpoints:h1:Url", "http://127.0.0.1:8080"),
            ("Kestrel:Endpoints:h1:Protocols", "Http1"),
            ("Kestrel:Endpoints:grpc:Url", "http://*:8081"),
            ("Kestrel:Endpoints:grpc:Protocols", "http2"),
            ("Kestrel:Endpoints:plain:Url", "http://[::1]:8082/"));

        Assert.Empty(errors);
        Assert.Equal(["grpc", "h1", "plain"], listeners.Proxy.Select(l => l.Name));
        Assert.Equal([HttpProtocols.Http2, HttpProtocols.Http1, HttpProtocols.Http1], listeners.Proxy.Select(l => l.Protocols));
        Assert.True(listeners.Proxy[0].Address.AnyAddress);
    }

    [Fact]
    public void From_NoEndpoints_UrlsWithLimitsProtocols()
    {
        var (listeners, errors) = Read(("urls", "http://127.0.0.1:1;http://127.0.0.1:2"), ("Gateway:Limits:Protocols", "Http2"));

        Assert.Empty(errors);
        Assert.All(listeners.Proxy, l => Assert.Equal(HttpProtocols.Http2, l.Protocols));
        Assert.Equal([1, 2], listeners.Proxy.Select(l => l.Address.Port));
    }

    [Fact]
    public void From_Nothing_DefaultUrl()
    {
        var (listeners, errors) = Read();

        Assert.Empty(errors);
        Assert.Equal(8080, Assert.Single(listeners.Proxy).Address.Port);
    }

    [Fact]
    public void From_EndpointsAndUrls_UrlsRefused()
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", "http://127.0.0.1:8080"), ("urls", "http://127.0.0.1:9000"));

        Assert.Equal("urls", error.Path);
        Assert.Contains("Kestrel:Endpoints declares the proxy listeners", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_UnknownTopLevelKey_Refused()
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", "http://127.0.0.1:8080"), ("Kestrel:Limits:MaxConcurrentConnections", "5"));

        Assert.Equal("Kestrel:Limits", error.Path);
        Assert.Contains("the gateway reads only Kestrel:Endpoints", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_UnknownEndpointKey_Refused()
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", "http://127.0.0.1:8080"), ("Kestrel:Endpoints:h1:ClientCertificateMode", "RequireCertificate"));

        Assert.Equal("Kestrel:Endpoints:h1:ClientCertificateMode", error.Path);
        Assert.Equal("unknown key; an endpoint has Url, Protocols, Certificate, Sni, SslProtocols.", error.Reason);
    }

    [Theory]
    [InlineData("", "is required.")]
    [InlineData("127.0.0.1:8080", "is not an http:// or https://host:port URL")]
    [InlineData("http://host.example:8080", "the host must be an IP address, localhost or *")]
    [InlineData("http://127.0.0.1:8080/api", "a listener URL has no path")]
    [InlineData("http://127.0.0.1", "needs an explicit port")]
    public void From_RefusedUrl_NamesTheEndpoint(string url, string reason)
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", url), ("Kestrel:Endpoints:h1:Protocols", "Http1"));

        Assert.Equal("Kestrel:Endpoints:h1:Url", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Http3", "HTTP/3 is not supported")]
    [InlineData("Http1AndHttp2AndHttp3", "HTTP/3 is not supported")]
    [InlineData("Spdy", "must be one of Http1, Http2, Http1AndHttp2 (was 'Spdy')")]
    [InlineData("Http1AndHttp2", "Http1AndHttp2 needs https")]
    public void From_RefusedProtocols_Explained(string protocols, string reason)
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", "http://127.0.0.1:8080"), ("Kestrel:Endpoints:h1:Protocols", protocols));

        Assert.Equal("Kestrel:Endpoints:h1:Protocols", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_EndpointOnTheAdminPort_Refused()
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", "http://*:9901"), ("Gateway:Admin:Urls", "http://127.0.0.1:9901"));

        Assert.Equal("Gateway:Admin:Urls", error.Path);
        Assert.Equal("port 9901 is also a proxy listener port (Kestrel:Endpoints:h1:Url); the admin listener needs its own.", error.Reason);
    }

    [Fact]
    public void From_TwoEndpointsOnOnePort_Refused()
    {
        var error = SingleError(("Kestrel:Endpoints:a:Url", "http://127.0.0.1:8080"), ("Kestrel:Endpoints:b:Url", "http://localhost:8080"));

        Assert.Equal("Kestrel:Endpoints:b:Url", error.Path);
        Assert.Equal("port 8080 is also proxy listener 'a''s.", error.Reason);
    }

    [Fact]
    public void From_OnePortOnTwoAddresses_Allowed()
    {
        var (listeners, errors) = Read(("Kestrel:Endpoints:a:Url", "http://127.0.0.1:8080"), ("Kestrel:Endpoints:b:Url", "http://127.0.0.2:8080"));

        Assert.Empty(errors);
        Assert.Equal(2, listeners.Proxy.Count);
    }

    [Fact]
    public void From_HttpsWithoutCertificate_Refused()
    {
        var error = SingleError(("Kestrel:Endpoints:tls:Url", "https://127.0.0.1:8443"));

        Assert.Equal("Kestrel:Endpoints:tls:Certificate", error.Path);
        Assert.StartsWith("is required on an https endpoint", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_HttpsInUrls_Refused()
    {
        var error = SingleError(("urls", "https://127.0.0.1:8443"));

        Assert.Equal("urls", error.Path);
        Assert.Contains("declare it under Kestrel:Endpoints", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_TlsKeysOnCleartextEndpoint_Refused()
    {
        var error = SingleError(("Kestrel:Endpoints:h1:Url", "http://127.0.0.1:8080"), ("Kestrel:Endpoints:h1:SslProtocols", "Tls13"));

        Assert.Equal("Kestrel:Endpoints:h1:SslProtocols", error.Path);
        Assert.Equal("applies to https endpoints only; this endpoint's Url is http://.", error.Reason);
    }
}
