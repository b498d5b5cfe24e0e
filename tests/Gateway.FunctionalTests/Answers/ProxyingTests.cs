using System.Net;
using System.Net.Http.Json;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Answers;

public sealed class ProxyingTests : IAsyncLifetime
{
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(_backends.Instances));
    }

    [Fact]
    public async Task Get_MatchingRoute_ReturnsTheBackendsAnswer()
    {
        var (response, echo) = await _gateway.GetAsync("/api/orders/7?expand=lines");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eu-1", echo!.Instance);
        Assert.Equal("GET", echo.Method);
        Assert.Equal("/api/orders/7", echo.Path);
        Assert.Equal("?expand=lines", echo.Query);
        Assert.Equal("eu-1", response.Headers.GetValues("X-Instance").Single());
    }

    [Fact]
    public async Task Post_WithBody_ForwardsMethodAndBody()
    {
        using var response = await _gateway.Proxy.PostAsync("/api/items", new ByteArrayContent(new byte[100_000]));
        var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("POST", echo!.Method);
        Assert.Equal(100_000, echo.BodyBytes);
    }

    [Fact]
    public async Task Get_ClientForwardedHeaders_AreReplacedWithWhatTheGatewaySaw()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/whoami");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");

        using var response = await _gateway.Proxy.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("http", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal(_gateway.ProxyUrl.Authority, echo.Headers["X-Forwarded-Host"]);
    }

    [Fact]
    public async Task Get_HopByHopHeaders_AreNotForwarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/hop");
        request.Headers.Connection.Add("X-Secret");
        request.Headers.TryAddWithoutValidation("X-Secret", "for-the-next-hop-only");
        request.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
        request.Headers.TryAddWithoutValidation("X-End-To-End", "kept");

        using var response = await _gateway.Proxy.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("kept", echo.Headers["X-End-To-End"]);
        Assert.False(echo.Headers.ContainsKey("X-Secret"), "a header named in Connection reached the backend");
        Assert.False(echo.Headers.ContainsKey("Keep-Alive"));
        Assert.False(echo.Headers.ContainsKey("Proxy-Connection"));
        Assert.False(echo.Headers.ContainsKey("Connection"));
    }

    [Fact]
    public async Task Get_ConnectionNamingGatewayHeaders_CannotStripThem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/hop");
        request.Headers.Connection.Add("X-Forwarded-For");
        request.Headers.Connection.Add("traceparent");

        using var response = await _gateway.Proxy.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.True(echo.Headers.ContainsKey("traceparent"));
    }

    [Fact]
    public async Task Get_W3CTraceContext_ReachesTheBackendInTheSameTrace()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/traced");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await _gateway.Proxy.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;

        var forwarded = echo.Headers["traceparent"].Split('-');
        Assert.Equal(traceId, forwarded[1]);
        Assert.NotEqual("00f067aa0ba902b7", forwarded[2]);
    }

    [Fact]
    public async Task Get_NoMatchingRoute_Is404FromTheGateway()
    {
        var (response, echo) = await _gateway.GetAsync("/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(echo);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
