using System.Net;
using System.Net.Http.Json;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Telemetry;

/// <summary>
/// The W3C trace context a real backend receives through the gateway when no tracer is configured (the
/// <c>TraceContextTransformProvider</c> path): what the caller sent, against what the backend echoes.
/// </summary>
public sealed class TraceContextPropagationTests : IAsyncLifetime
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerSpanId = "00f067aa0ba902b7";

    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(_backends.Instances));
    }

    [Theory]
    [InlineData("01", "01")]
    [InlineData("00", "00")]
    // Random trace id (Trace Context Level 2) stays true for the same trace id.
    [InlineData("03", "03")]
    [InlineData("02", "02")]
    // Reserved bits must be sent as zero.
    [InlineData("ff", "03")]
    [InlineData("09", "01")]
    public async Task Get_ValidTraceParent_KeepsTraceIdAndCallersFlagsWithANewSpan(string callerFlags, string expectedFlags)
    {
        var echo = await SendAsync(("traceparent", $"00-{TraceId}-{CallerSpanId}-{callerFlags}"));

        var forwarded = echo.Headers["traceparent"].Split('-');
        Assert.Equal(4, forwarded.Length);
        Assert.Equal("00", forwarded[0]);
        Assert.Equal(TraceId, forwarded[1]);
        Assert.NotEqual(CallerSpanId, forwarded[2]);
        Assert.Equal(expectedFlags, forwarded[3]);
    }

    [Fact]
    public async Task Get_NoTraceParent_StartsANewTraceNotSampled()
    {
        var echo = await SendAsync();

        var forwarded = echo.Headers["traceparent"].Split('-');
        Assert.Equal(32, forwarded[1].Length);
        Assert.Equal("00", forwarded[3]);
    }

    [Theory]
    // Upper-case hex, a zero trace id, a short span id: not a traceparent, whatever its flags say.
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902-01")]
    public async Task Get_InvalidTraceParent_StartsANewTraceNotSampledWithoutTraceState(string traceParent)
    {
        var echo = await SendAsync(("traceparent", traceParent), ("tracestate", "vendor=value"));

        var forwarded = echo.Headers["traceparent"].Split('-');
        Assert.NotEqual(TraceId, forwarded[1], StringComparer.OrdinalIgnoreCase);
        Assert.Equal("00", forwarded[3]);
        Assert.False(echo.Headers.ContainsKey("tracestate"));
    }

    [Fact]
    public async Task Get_ValidTraceParentWithTraceState_ForwardsTheTraceState()
    {
        var echo = await SendAsync(("traceparent", $"00-{TraceId}-{CallerSpanId}-01"), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));

        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", echo.Headers["tracestate"]);
        Assert.EndsWith("-01", echo.Headers["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_BaggageWithoutTraceParent_IsForwardedAsSent()
    {
        var echo = await SendAsync(("baggage", "userId=alice,serverNode=DF%2028;weight=0.5"));

        Assert.Equal("userId=alice,serverNode=DF%2028;weight=0.5", echo.Headers["baggage"]);
        Assert.EndsWith("-00", echo.Headers["traceparent"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("not-a-traceparent")]
    public async Task Get_BaggageWithTraceParent_IsForwardedAsSent(string traceParent)
    {
        var echo = await SendAsync(("traceparent", traceParent), ("baggage", "userId=alice"));

        Assert.Equal("userId=alice", echo.Headers["baggage"]);
    }

    [Fact]
    public async Task Get_NoBaggage_NoneIsAdded()
    {
        var echo = await SendAsync(("traceparent", $"00-{TraceId}-{CallerSpanId}-01"));

        Assert.False(echo.Headers.ContainsKey("baggage"));
    }

    private async Task<EchoResponse> SendAsync(params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/traced");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _gateway.Proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
