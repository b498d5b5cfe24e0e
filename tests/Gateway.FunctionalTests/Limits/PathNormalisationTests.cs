using System.Text.RegularExpressions;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Path tricks. Pass criterion: routing decides on the same normalised path the backend gets: a request either
/// misses the <c>/api/</c> route (404, backend untouched) or the backend receives a path under <c>/api/</c> equal to
/// the one routing matched.
/// </summary>
public sealed partial class PathNormalisationTests : IAsyncLifetime
{
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(_backends.Instances));
    }

    [Theory]
    [InlineData("/api/../api/x", "/api/x")]
    [InlineData("/x/../api/y", "/api/y")]
    [InlineData("/x/%2e%2e/api/y", "/api/y")]
    [InlineData("/x/%2E%2E/api/y", "/api/y")]
    [InlineData("/api/./x", "/api/x")]
    [InlineData("/api/%2e/x", "/api/x")]
    [InlineData("/api//x", "/api//x")]
    // Kestrel never decodes %2F, so "..%2F" is a segment name, not a parent step, for routing and backend alike.
    [InlineData("/api/a%2F..%2F..%2Fadmin", "/api/a%2F..%2F..%2Fadmin")]
    [InlineData("/api/..%2Fadmin", "/api/..%2Fadmin")]
    [InlineData("/api/%2e%2e%2fsecret", "/api/..%2fsecret")]
    [InlineData("/api/x%20y", "/api/x y")]
    public async Task TrickyPath_BackendGetsThePathRoutingMatched(string sent, string expected)
    {
        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, $"GET {sent} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");

        Assert.Equal([200], RawHttp.StatusCodes(response));
        Assert.Equal(expected, PathOf(response));
    }

    [Theory]
    [InlineData("/api/../secret")]
    [InlineData("/api/%2e%2e/secret")]
    [InlineData("/api%2Fx")]
    [InlineData("//api/x")]
    [InlineData("/x/..%2Fapi/x")]
    public async Task PathLeavingTheRoute_Is404AndNeverForwarded(string sent)
    {
        var served = _backends.Instances[0].Capacity.Served;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, $"GET {sent} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");

        Assert.True(RawHttp.StatusCodes(response) is [404] or [400], response);
        Assert.Equal(served, _backends.Instances[0].Capacity.Served);
    }

    private static string? PathOf(string response)
    {
        var match = EchoPath().Match(response);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("\"path\":\"([^\"]*)\"")]
    private static partial Regex EchoPath();

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
