using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Limits;
using SampleBackend;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 22: a chunked upload over the route's body limit was cut with a bare 413 (no problem+json, no
/// <c>X-Gateway-Reason</c>), unlike the same body declared by Content-Length.
/// </summary>
public sealed class ChunkedBodyOverLimitBare413Tests : IAsyncLifetime
{
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(_backends.Instances));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }

    [Theory]
    [InlineData("Content-Length: 1001\r\n\r\n")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n3e9\r\n")]
    public async Task BodyOverTheRouteLimit_ChunkedOrDeclared_GetsTheSameProblemAnswer(string framing)
    {
        var body = new string('a', 1001);
        var tail = framing.Contains("chunked", StringComparison.Ordinal) ? "\r\n0\r\n\r\n" : string.Empty;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, $"POST /small/x HTTP/1.1\r\nHost: gw\r\n{framing}{body}{tail}");

        Assert.Equal(413, RawHttp.FirstStatus(response));
        Assert.Contains("X-Gateway-Reason: request-too-large", response, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", response, StringComparison.Ordinal);
        Assert.Contains("\"status\":413", response, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _gateway.Proxy.GetAsync("/api/after")).StatusCode);
    }
}
