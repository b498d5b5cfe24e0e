using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Gateway.RateLimiting;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using SampleBackend;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Header trust and what may be proxied at all. Pass criterion for each: the refused request gets the stated status
/// and never reaches the backend (its served count does not move); a forged header never reaches it as sent.
/// </summary>
public sealed class EdgeGuardTests : IAsyncLifetime
{
    private static readonly System.Text.Json.JsonSerializerOptions s_web = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>What a client (or a proxy in front) says about the original request.</summary>
    private static readonly (string, string)[] s_forwarding =
        [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "shop.example"), ("X-Forwarded-Prefix", "/shop")];

    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    private BackendInstance Backend => _backends.Instances[0];

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(_backends.Instances));
    }

    [Theory]
    [InlineData("X_Forwarded_For: 6.6.6.6")]
    [InlineData("X-Api_Key: secret")]
    [InlineData("_: x")]
    public async Task Request_HeaderNameWithUnderscore_Is400AndNeverForwarded(string header)
    {
        var served = Backend.Capacity.Served;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, $"GET /api/x HTTP/1.1\r\nHost: gw\r\n{header}\r\n\r\n");

        Assert.Equal([400], RawHttp.StatusCodes(response));
        Assert.Contains("X-Gateway-Reason: bad-request", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
        Assert.Equal(served, Backend.Capacity.Served);
    }

    [Theory]
    [InlineData("GET http://evil.example/api/x HTTP/1.1\r\nHost: evil.example\r\n\r\n")]
    [InlineData("GET http://127.0.0.1/api/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")]
    [InlineData("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n")]
    [InlineData("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n")]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: gw\r\n\r\n")]
    public async Task Request_TargetOutsideTheRoutes_Is400AndNeverForwarded(string request)
    {
        var served = Backend.Capacity.Served;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, request);

        Assert.Equal([400], RawHttp.StatusCodes(response));
        Assert.DoesNotContain("\"instance\"", response, StringComparison.Ordinal);
        Assert.Equal(served, Backend.Capacity.Served);
    }

    [Theory]
    [InlineData("/admin/config")]
    [InlineData("/admin/clusters")]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    public async Task ProxyPort_WithTheAdminListenersHost_Is404(string path)
    {
        var served = Backend.Capacity.Served;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, $"GET {path} HTTP/1.1\r\nHost: {_gateway.AdminUrl.Authority}\r\n\r\n");

        Assert.Equal([404], RawHttp.StatusCodes(response));
        Assert.Equal(served, Backend.Capacity.Served);
    }

    [Fact]
    public async Task Request_ForgedInternalHeaders_AreStrippedBeforeTheBackend()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/internal");
        request.Headers.TryAddWithoutValidation("X-Gateway-Reason", "forged");
        request.Headers.TryAddWithoutValidation("X-Gateway-Client", "admin");
        request.Headers.TryAddWithoutValidation("x-gateway-priority", "critical");
        request.Headers.TryAddWithoutValidation("X-Request-Deadline", "2099-01-01T00:00:00Z");
        request.Headers.TryAddWithoutValidation("X-Gatewayish", "kept: not the prefix");
        // Naming a stripped header in Connection must not resurrect or confuse anything either.
        request.Headers.Connection.Add("X-Request-Deadline");

        using var response = await _gateway.Proxy.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(echo.Headers.Keys, k => k.StartsWith("X-Gateway-", StringComparison.OrdinalIgnoreCase));
        Assert.False(echo.Headers.ContainsKey("X-Request-Deadline"));
        Assert.Equal("kept: not the prefix", echo.Headers["X-Gatewayish"]);
    }

    [Fact]
    public async Task Request_SpoofedForwardingHeaders_DoNotReachTheBackendAsSent()
    {
        var response = await RawHttp.SendAsync(
            _gateway.ProxyUrl,
            "GET /api/spoof HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-For: 6.6.6.6, 7.7.7.7\r\nX-Forwarded-Proto: https\r\n" +
            "X-Forwarded-Host: bank.example\r\nX-Forwarded-Prefix: /evil\r\nForwarded: for=6.6.6.6;proto=https;host=bank.example\r\n\r\n");
        var body = response[response.IndexOf("{\"instance\"", StringComparison.Ordinal)..];
        var echo = System.Text.Json.JsonSerializer.Deserialize<EchoResponse>(
            body[..(body.LastIndexOf('}') + 1)], s_web)!;

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("http", echo.Headers["X-Forwarded-Proto"]);
        // The backend is addressed by its own authority, never the client's Host.
        Assert.Equal(Backend.Url.Authority, echo.Headers["Host"]);
        // X-Forwarded-Host is what the client sent as Host (the gateway saw nothing else); never its own X-Forwarded-Host.
        Assert.Equal("evil.example", echo.Headers["X-Forwarded-Host"]);
        Assert.False(echo.Headers.ContainsKey("X-Forwarded-Prefix"));
        Assert.False(echo.Headers.ContainsKey("Forwarded"));
    }

    [Fact]
    public async Task Request_SpoofedRealIp_IsReplacedWithThePeerAddress()
    {
        // Two lines in two spellings: neither may survive, and the backend must not get a list to pick from.
        var response = await RawHttp.SendAsync(
            _gateway.ProxyUrl,
            "GET /api/spoof HTTP/1.1\r\nHost: gw\r\nX-Real-IP: 6.6.6.6\r\nx-real-ip: 7.7.7.7\r\nConnection: close\r\n\r\n");
        var body = response[response.IndexOf("{\"instance\"", StringComparison.Ordinal)..];
        var echo = System.Text.Json.JsonSerializer.Deserialize<EchoResponse>(
            body[..(body.LastIndexOf('}') + 1)], s_web)!;

        Assert.Equal("127.0.0.1", echo.Headers["X-Real-IP"]);
        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
    }

    [Fact]
    public async Task Request_NoRealIp_BackendGetsThePeerAddress()
    {
        var echo = await SendAsync(_gateway);

        Assert.Equal("127.0.0.1", echo.Headers["X-Real-IP"]);
    }

    [Fact]
    public async Task Request_ConnectionNamingRealIp_CannotStripTheGatewaysValue()
    {
        var echo = await SendAsync(_gateway, realIp: "6.6.6.6", connection: "X-Real-IP");

        Assert.Equal("127.0.0.1", echo.Headers["X-Real-IP"]);
    }

    [Fact]
    public async Task Request_RealIpFromTrustedProxy_IsKeptAsSent()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/32"));

        Assert.Equal("203.0.113.7", (await SendAsync(gateway, realIp: "203.0.113.7")).Headers["X-Real-IP"]);
        // A trusted proxy that sends none gets the address the gateway saw, as anyone else.
        Assert.Equal("127.0.0.1", (await SendAsync(gateway)).Headers["X-Real-IP"]);
    }

    [Fact]
    public async Task Request_RealIpFromPeerOutsideTheTrustedProxies_IsReplaced()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("10.0.0.0/8", "::1/128"));

        Assert.Equal("127.0.0.1", (await SendAsync(gateway, realIp: "203.0.113.7")).Headers["X-Real-IP"]);
    }

    [Fact]
    public async Task Request_TrustedProxiesReloaded_RealIpTrustFollowsTheNewList()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/32"));
        Assert.Equal("203.0.113.7", (await SendAsync(gateway, realIp: "203.0.113.7")).Headers["X-Real-IP"]);
        var tables = gateway.Services.GetRequiredService<RateLimitingTableSource>();
        var revision = tables.Current.Revision;

        await gateway.WriteConfigAsync(WithTrustedProxies());
        await Eventually.TrueAsync(
            () => Task.FromResult(tables.Current.Revision > revision), TimeSpan.FromSeconds(5), "the reloaded trusted proxies");

        Assert.Equal("127.0.0.1", (await SendAsync(gateway, realIp: "203.0.113.7")).Headers["X-Real-IP"]);
    }

    [Fact]
    public async Task Request_ForwardedHeadersFromTrustedProxy_ForIsAppendedToAndTheRestKeptAsSent()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/8"));

        var echo = await SendForwardedAsync(gateway, connection: null, [.. s_forwarding, ("Forwarded", "for=203.0.113.7;proto=https")]);

        Assert.Equal("203.0.113.7, 127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("https", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal("shop.example", echo.Headers["X-Forwarded-Host"]);
        Assert.Equal("/shop", echo.Headers["X-Forwarded-Prefix"]);
        // Forwarded would not name the gateway's hop, so it is dropped from everyone.
        Assert.False(echo.Headers.ContainsKey("Forwarded"));
    }

    [Fact]
    public async Task Request_TrustedProxySendsOnlyProto_ProtoIsKeptAndTheRestSet()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/8"));

        var echo = await SendForwardedAsync(gateway, connection: null, ("X-Forwarded-Proto", "https"));

        Assert.Equal("https", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal(gateway.ProxyUrl.Authority, echo.Headers["X-Forwarded-Host"]);
    }

    [Fact]
    public async Task Request_TrustedProxySendsNoForwardedHeaders_TheGatewaySetsThem()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/8"));

        var echo = await SendForwardedAsync(gateway, connection: null);

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("http", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal(gateway.ProxyUrl.Authority, echo.Headers["X-Forwarded-Host"]);
        Assert.False(echo.Headers.ContainsKey("X-Forwarded-Prefix"));
    }

    [Fact]
    public async Task Request_ForwardedForInTwoLinesFromTrustedProxy_IsOneChainWithThePeerLast()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/8"));

        var response = await RawHttp.SendAsync(
            gateway.ProxyUrl,
            "GET /api/chain HTTP/1.1\r\nHost: gw\r\nX-Forwarded-For: 198.51.100.1\r\nx-forwarded-for: 203.0.113.7\r\nConnection: close\r\n\r\n");
        var body = response[response.IndexOf("{\"instance\"", StringComparison.Ordinal)..];
        var echo = System.Text.Json.JsonSerializer.Deserialize<EchoResponse>(body[..(body.LastIndexOf('}') + 1)], s_web)!;

        Assert.Equal("198.51.100.1, 203.0.113.7, 127.0.0.1", echo.Headers["X-Forwarded-For"]);
    }

    [Fact]
    public async Task Request_ForwardedHeadersFromPeerOutsideTheTrustedProxies_AreReplaced()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("10.0.0.0/8", "::1/128"));

        var echo = await SendForwardedAsync(gateway, connection: null, s_forwarding);

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("http", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal(gateway.ProxyUrl.Authority, echo.Headers["X-Forwarded-Host"]);
        Assert.False(echo.Headers.ContainsKey("X-Forwarded-Prefix"));
    }

    [Fact]
    public async Task Request_TrustedProxiesReloaded_ForwardedTrustFollowsTheNewList()
    {
        (string, string)[] forwarded = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "shop.example")];
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/8"));
        var before = await SendForwardedAsync(gateway, connection: null, forwarded);
        Assert.Equal("203.0.113.7, 127.0.0.1", before.Headers["X-Forwarded-For"]);
        Assert.Equal("https", before.Headers["X-Forwarded-Proto"]);
        var tables = gateway.Services.GetRequiredService<RateLimitingTableSource>();
        var revision = tables.Current.Revision;

        await gateway.WriteConfigAsync(WithTrustedProxies());
        await Eventually.TrueAsync(
            () => Task.FromResult(tables.Current.Revision > revision), TimeSpan.FromSeconds(5), "the reloaded trusted proxies");

        var after = await SendForwardedAsync(gateway, connection: null, forwarded);
        Assert.Equal("127.0.0.1", after.Headers["X-Forwarded-For"]);
        Assert.Equal("http", after.Headers["X-Forwarded-Proto"]);
        Assert.Equal(gateway.ProxyUrl.Authority, after.Headers["X-Forwarded-Host"]);
    }

    [Fact]
    public async Task Request_ConnectionNamingForwardedForFromTrustedProxy_CannotStripTheChain()
    {
        await using var gateway = await GatewayTestHost.StartAsync(WithTrustedProxies("127.0.0.1/8"));

        var echo = await SendForwardedAsync(
            gateway, connection: "X-Forwarded-For", ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"));

        Assert.Equal("203.0.113.7, 127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("https", echo.Headers["X-Forwarded-Proto"]);
    }

    private JsonObject WithTrustedProxies(params string[] cidrs)
    {
        var config = EdgeTestConfig.Create(_backends.Instances);
        var proxies = new JsonArray();
        foreach (var cidr in cidrs)
        {
            proxies.Add(cidr);
        }

        config["Gateway"]!["ClientIdentity"] = new JsonObject { ["TrustedProxies"] = proxies };
        return config;
    }

    private static async Task<EchoResponse> SendAsync(GatewayTestHost gateway, string? realIp = null, string? connection = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/real-ip");
        if (realIp is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Real-IP", realIp);
        }

        if (connection is not null)
        {
            request.Headers.Connection.Add(connection);
        }

        using var response = await gateway.Proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
    }

    private static async Task<EchoResponse> SendForwardedAsync(GatewayTestHost gateway, string? connection, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/forwarded");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (connection is not null)
        {
            request.Headers.Connection.Add(connection);
        }

        using var response = await gateway.Proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
