using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Gateway.Tests.Fixtures;

namespace Gateway.Tests.Edge;

/// <summary>
/// Broken backends, through the gateway's defaults. Pass criteria: refused → 502 fast and the destination marked
/// down; not accepting → 504 at the connect timeout; silent → 504 at the default activity timeout with every
/// upstream socket closed after; bad framing → 502; reset mid-response → the client sees an aborted response, never
/// a clean 200; a client that leaves cancels its upstream request.
/// </summary>
public sealed class BackendFaultTests
{
    [Fact]
    public async Task BackendRefuses_502Fast_AndDestinationMarkedDown()
    {
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(new Uri($"http://127.0.0.1:{FreePort.Next()}/")));

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Equal("upstream-unreachable", response.Headers.GetValues("X-Gateway-Reason").Single());
        Assert.Equal((1L, 1), await EdgeTestConfig.BlameAsync(gateway));
    }

    [Fact]
    public async Task BackendNeverAccepts_504AtTheConnectTimeout()
    {
        // A listener whose accept queue is full: Linux drops further SYNs, so a connect hangs as if black-holed.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 16; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await filler.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var limits = new JsonObject { ["UpstreamConnectTimeout"] = "00:00:00.500", ["UpstreamActivityTimeout"] = "00:00:10" };
            await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(new Uri($"http://127.0.0.1:{port}/"), limits));

            var clock = Stopwatch.StartNew();
            using var response = await gateway.Proxy.GetAsync("/api/x");

            // YARP reports a connect timeout as a timeout, like a silent backend; the point is that it comes at the
            // connect timeout, not at the 10 s activity timeout.
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task BackendHangs_504AtTheDefaultActivityTimeout_NoSocketGrowth()
    {
        await using var backend = new FakeBackend(_ => null);
        var limits = new JsonObject { ["UpstreamActivityTimeout"] = "00:00:01" };
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(backend.Url, limits, consecutiveFailures: 1000));

        var clock = Stopwatch.StartNew();
        using (var first = await gateway.Proxy.GetAsync("/api/x"))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, first.StatusCode);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(4));
        }

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            return response.StatusCode;
        }));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.GatewayTimeout, s));
        await WaitUntilAsync(() => backend.OpenConnections == 0, TimeSpan.FromSeconds(3));
        Assert.Equal(21, backend.ClosedByPeer);
    }

    public static TheoryData<string> BadHeaders => new()
    {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello",
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "SMTP ready\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task BackendAnswersWithBadFraming_502(string answer)
    {
        await using var backend = new FakeBackend(_ => answer);
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(backend.Url));

        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream-unreachable", response.Headers.GetValues("X-Gateway-Reason").Single());
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it")]
    public async Task BackendBreaksFramingAfterTheHeaders_ClientSeesAnAbortedResponse(string answer)
    {
        await using var backend = new FakeBackend(_ => answer);
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(backend.Url));

        var raw = await RawHttp.SendAsync(gateway.ProxyUrl, "GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n");

        AssertAbortedNotClean(raw);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => gateway.Proxy.GetStringAsync("/api/x"));
    }

    [Fact]
    public async Task BackendResetsMidResponse_ClientSeesAnAbortedResponse()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.ResetMidBody = true;
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances));

        var raw = await RawHttp.SendAsync(gateway.ProxyUrl, "GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n");

        AssertAbortedNotClean(raw);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => gateway.Proxy.GetStringAsync("/api/x"));
    }

    [Fact]
    public async Task ClientDisconnects_UpstreamRequestIsCancelled_BackendNotBlamed()
    {
        await using var backend = new FakeBackend(_ => null);
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(backend.Url));

        for (var i = 1; i <= 3; i++)
        {
            using (var client = await RawHttp.ConnectAsync(gateway.ProxyUrl))
            {
                await client.GetStream().WriteAsync("GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n"u8.ToArray());
                await WaitUntilAsync(() => backend.Requests.Count == i, TimeSpan.FromSeconds(3));
            }

            var expected = i;
            await WaitUntilAsync(() => backend.ClosedByPeer == expected, TimeSpan.FromSeconds(3));
        }

        Assert.Equal((0L, 0), await EdgeTestConfig.BlameAsync(gateway));
    }

    /// <summary>
    /// A 502 (nothing had been sent yet), a connection closed before any byte of the answer (the headers were still
    /// in the gateway's buffer when the body broke), or a response the client can tell is incomplete.
    /// </summary>
    private static void AssertAbortedNotClean(string raw)
    {
        if (raw.Length == 0 || RawHttp.FirstStatus(raw) == 502)
        {
            return;
        }

        Assert.StartsWith("HTTP/1.1 200", raw, StringComparison.Ordinal);
        var headEnd = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = raw[..headEnd];
        var body = raw[(headEnd + 4)..];
        var length = System.Text.RegularExpressions.Regex.Match(head, "Content-Length: (\\d+)");
        if (length.Success)
        {
            Assert.True(body.Length < int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), "the client got a complete body");
        }
        else
        {
            Assert.Contains("Transfer-Encoding: chunked", head, StringComparison.Ordinal);
            Assert.False(body.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the client got a clean, truncated 200");
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("The condition did not hold in time.");
            }

            await Task.Delay(20);
        }
    }
}
