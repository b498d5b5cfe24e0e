using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Diagnostics.Metrics;
using Gateway.FunctionalTests.Resilience;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Broken backends, through the gateway's defaults. Pass criteria: refused → 502 fast and the destination marked
/// down; not accepting → 502 at the connect timeout, or retried on another destination; silent → 504 at the default
/// activity timeout with every upstream socket closed after; bad framing → 502; reset mid-response → the client sees
/// an aborted response, never a clean 200; a client that leaves cancels its upstream request.
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
    public async Task BackendNeverAccepts_502UpstreamUnreachableAtTheConnectTimeout_AndDestinationMarkedDown()
    {
        using var hole = await BlackHoleListener.StartAsync();
        var limits = new JsonObject { ["UpstreamConnectTimeout"] = "00:00:00.500", ["UpstreamActivityTimeout"] = "00:00:10" };
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.ToAddress(hole.Url, limits));

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        // Nothing reached the backend: a connect failure like a refused connection, not a backend that was slow, and
        // at the connect timeout, not at the 10 s activity timeout.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream-unreachable", response.Headers.GetValues("X-Gateway-Reason").Single());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        Assert.Equal((1L, 1), await EdgeTestConfig.BlameAsync(gateway));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task OneOfTwoNeverAccepts_GetsAreRetriedOnTheOther_AsAConnectFailure(bool withPolicy, bool postWithoutIdempotencyKey)
    {
        using var hole = await BlackHoleListener.StartAsync();
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = TestConfig.SingleCluster(backends.Instances);
        var cluster = config["ReverseProxy"]!["Clusters"]!["api"]!.AsObject();
        cluster["Destinations"]!["hole"] = new JsonObject
        {
            ["Address"] = hole.Url.ToString(),
            ["Metadata"] = new JsonObject { ["Region"] = "eu-west" },
        };
        // Passive health off, so that only the circuit (with a policy) takes the hole out of rotation.
        cluster["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } };
        if (withPolicy)
        {
            ResilienceTestConfig.UsePolicy(cluster, "p");
            config["Gateway"] = ResilienceTestConfig.Policies(("p", new JsonObject
            {
                ["Timeout"] = "00:00:10",
                ["CircuitBreaker"] = new JsonObject
                {
                    ["FailureRatio"] = 0.5,
                    ["MinimumThroughput"] = 2,
                    ["SamplingDuration"] = "00:00:30",
                    ["BreakDuration"] = "00:00:30",
                },
                ["Retry"] = new JsonObject { ["MaxAttempts"] = 2 },
            }));
        }

        config["Gateway"]!["Limits"] = new JsonObject { ["UpstreamConnectTimeout"] = "00:00:00.300" };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using var retries = new MetricCollector<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.failover.retries");
        long Retries(string reason) => retries.GetMeasurementSnapshot().Where(m => (string?)m.Tags["gateway.reason"] == reason).Sum(m => m.Value);

        // About every other GET goes to the hole first, until (with a policy) two connect timeouts open its circuit.
        for (var i = 0; i < 40 && Retries("connect") < 2; i++)
        {
            var clock = Stopwatch.StartNew();
            // A POST too: a connect that never completed sent nothing, so its body still goes out whole, once.
            using var response = postWithoutIdempotencyKey
                ? await gateway.Proxy.PostAsync("/api/x", new ByteArrayContent(new byte[300]))
                : await gateway.Proxy.GetAsync("/api/x");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var echo = (await ResilienceTestConfig.EchoAsync(response))!;
            Assert.Equal("eu-1", echo.Instance);
            Assert.Equal(postWithoutIdempotencyKey ? 300 : 0, echo.BodyBytes);
            // One connect timeout (0.3 s) and the retry: far inside the total timeout (10 s here, 30 s by default).
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        }

        Assert.Equal(2, Retries("connect"));
        Assert.Equal(0, Retries("timeout"));
        if (withPolicy)
        {
            // Each connect timeout was a failure of the hole's circuit: two of two open it.
            Assert.Equal("open", await ResilienceTestConfig.CircuitAsync(gateway, "hole"));
            Assert.Equal("closed", await ResilienceTestConfig.CircuitAsync(gateway, "eu-1"));
        }
    }

    [Fact]
    public async Task BackendHangs_504AtTheDefaultActivityTimeout_NoSocketGrowth()
    {
        await using var backend = new FakeBackend(_ => null);
        var limits = new JsonObject { ["UpstreamActivityTimeout"] = "00:00:01" };
        var config = EdgeTestConfig.ToAddress(backend.Url, limits, consecutiveFailures: 1000);
        // Twenty hanging requests at once: shedding (on by default) would admit MinLimit of them to a backend that
        // never answers and queue the rest, while this case is about the activity timeout of each.
        config["Gateway"]!["Shedding"] = new JsonObject { ["Enabled"] = false };
        await using var gateway = await GatewayTestHost.StartAsync(config);

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
        await Eventually.TrueAsync(() => backend.OpenConnections == 0, TimeSpan.FromSeconds(3));
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
                await Eventually.TrueAsync(() => backend.Requests.Count == i, TimeSpan.FromSeconds(3));
            }

            var expected = i;
            await Eventually.TrueAsync(() => backend.ClosedByPeer == expected, TimeSpan.FromSeconds(3));
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
}
