using System.Text;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Header floods and oversize requests. Pass criterion: 431/414/413 as Kestrel and the gateway define them, never a
/// 5xx, never a crash (the next normal request is served), and the backend is never blamed.
/// </summary>
public sealed class HeaderLimitTests : IAsyncLifetime
{
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(_backends.Instances));
    }

    public static TheoryData<string, int> Oversize()
    {
        var manyHeaders = new StringBuilder();
        for (var i = 0; i < 101; i++)
        {
            manyHeaders.Append(System.Globalization.CultureInfo.InvariantCulture, $"X-H{i}: v\r\n");
        }

        return new TheoryData<string, int>
        {
            { $"GET /api/x HTTP/1.1\r\nHost: gw\r\n{manyHeaders}\r\n", 431 },
            { $"GET /api/x HTTP/1.1\r\nHost: gw\r\nX-Big: {new string('a', 33 * 1024)}\r\n\r\n", 431 },
            { $"GET /api/{new string('a', 9 * 1024)} HTTP/1.1\r\nHost: gw\r\n\r\n", 414 },
            { "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 10485761\r\n\r\n", 413 },
            { "POST /small/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 1001\r\n\r\n" + new string('a', 1001), 413 },
            { "POST /small/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n" + new string('a', 1001) + "\r\n0\r\n\r\n", 413 },
        };
    }

    [Theory]
    [MemberData(nameof(Oversize))]
    public async Task OversizeRequest_GetsItsLimitStatus_NeverA5xx(string request, int expected)
    {
        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, request);

        Assert.Equal(expected, RawHttp.FirstStatus(response));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _gateway.Proxy.GetAsync("/api/after")).StatusCode);
        Assert.Equal((0L, 0), await EdgeTestConfig.BlameAsync(_gateway));
    }

    [Fact]
    public async Task BodyOverTheLimitByContentLength_IsRefusedBeforeAnythingIsForwarded()
    {
        await using var backend = new FakeBackend(_ => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(backend.Url));

        var response = await RawHttp.SendAsync(gateway.ProxyUrl, "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 10485761\r\n\r\nabc");
        await Task.Delay(200);

        Assert.Equal(413, RawHttp.FirstStatus(response));
        Assert.Contains("X-Gateway-Reason: request-too-large", response, StringComparison.Ordinal);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task BodyWithinTheRouteLimit_IsForwarded()
    {
        using var response = await _gateway.Proxy.PostAsync("/small/x", new ByteArrayContent(new byte[1000]));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HeaderFlood_ManyConnectionsAtOnce_NoneGetsA5xx()
    {
        var big = $"GET /api/x HTTP/1.1\r\nHost: gw\r\nX-Big: {new string('a', 40 * 1024)}\r\n\r\n";
        var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            RawHttp.FirstStatus(await RawHttp.SendAsync(_gateway.ProxyUrl, big, TimeSpan.FromSeconds(10)))));

        Assert.All(statuses, s => Assert.Equal(431, s));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await _gateway.Proxy.GetAsync("/api/after")).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
