using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Request smuggling: ambiguous framing from a client. Pass criterion: the client gets 400 and the backend nothing,
/// or the backend gets exactly one well-formed request and nothing hidden behind it is ever served.
/// </summary>
public sealed class SmugglingTests : IAsyncLifetime
{
    private const string Smuggled = "GET /api/smuggled HTTP/1.1\r\nHost: gw\r\n\r\n";

    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;

    private BackendInstance Backend => _backends.Instances[0];

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("eu-1@eu-west");
        _gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(_backends.Instances));
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "conflicting Content-Length", "Content-Length: 4\r\nContent-Length: 5\r\n\r\nhello" },
        { "duplicate Content-Length", "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" },
        { "Content-Length list", "Content-Length: 5, 5\r\n\r\nhello" },
        { "negative Content-Length", "Content-Length: -5\r\n\r\nhello" },
        { "TE not ending in chunked", "Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
        { "TE unknown coding", "Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
        { "TE space before colon", "Transfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
        { "TE twice, last not chunked", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
        { "TE with vertical tab", "Transfer-Encoding:\vchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
        { "TE obs-fold", "Transfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
        { "chunk size overflow", "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nhello\r\n0\r\n\r\n" },
        { "chunk size not hex", "Transfer-Encoding: chunked\r\n\r\n5g\r\nhello\r\n0\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task AmbiguousFraming_Is400AndNothingReachesTheBackend(string name, string headersAndBody)
    {
        var served = Backend.Capacity.Served;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, "POST /api/x HTTP/1.1\r\nHost: gw\r\n" + headersAndBody + Smuggled);
        await Task.Delay(200);

        Assert.True(RawHttp.StatusCodes(response) is [400], $"{name}: {response}");
        Assert.Equal(served, Backend.Capacity.Served);
    }

    public static TheoryData<string, string, int> OneRequest => new()
    {
        // Kestrel lets chunked win (RFC 9112 §6.3), drops Content-Length and closes the connection after the answer.
        { "Content-Length and chunked", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0 },
        { "chunked and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n", 0 },
        { "TE upper case", "Transfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 5 },
        { "TE with tab", "Transfer-Encoding:\tchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 5 },
        { "chunk extension", "Transfer-Encoding: chunked\r\n\r\n5;ext=\"x\"\r\nhello\r\n0\r\n\r\n", 5 },
        // Not RFC 9110 (1*DIGIT) but Kestrel reads it as 5; the gateway re-frames, so the backend cannot read it otherwise.
        { "signed Content-Length", "Content-Length: +5\r\n\r\nhello", 5 },
    };

    /// <summary>
    /// A message followed by a pipelined GET. The gateway re-frames every request for the backend, so smuggling would
    /// show as the backend serving more requests than the client got answers, or a body length the gateway did not
    /// decide; a clean second answer to the pipelined GET is legitimate.
    /// </summary>
    [Theory]
    [MemberData(nameof(OneRequest))]
    public async Task UnusualButUnambiguousFraming_BackendGetsOneWellFormedRequestPerAnswer(string name, string headersAndBody, int bodyBytes)
    {
        var served = Backend.Capacity.Served;

        var response = await RawHttp.SendAsync(_gateway.ProxyUrl, "POST /api/x HTTP/1.1\r\nHost: gw\r\n" + headersAndBody + Smuggled);
        await Task.Delay(200);

        var statuses = RawHttp.StatusCodes(response);
        Assert.True(statuses is [200] or [200, 200], $"{name}: {response}");
        Assert.Contains($"\"method\":\"POST\",\"path\":\"/api/x\"", response, StringComparison.Ordinal);
        Assert.Contains($"\"bodyBytes\":{bodyBytes},", response, StringComparison.Ordinal);
        Assert.Equal(statuses.Count, Backend.Capacity.Served - served);
    }

    [Fact]
    public async Task ContentLengthAndChunked_ConnectionIsClosedAfterTheAnswer()
    {
        var served = Backend.Capacity.Served;

        var response = await RawHttp.SendAsync(
            _gateway.ProxyUrl,
            "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Smuggled);
        await Task.Delay(200);

        // Only the first request is answered: the pipelined one behind an ambiguous message is never read.
        Assert.Equal([200], RawHttp.StatusCodes(response));
        Assert.Equal(1, Backend.Capacity.Served - served);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
