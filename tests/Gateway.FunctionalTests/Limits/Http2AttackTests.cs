using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// HTTP/2 attacks over cleartext with prior knowledge (<c>Gateway:Limits:Protocols = Http2</c>). Timing-sensitive,
/// so they run alone. Pass criteria in each test's comment; measured figures go to the test output.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class Http2AttackTests(ITestOutputHelper output)
{
    private static async Task<(SampleBackendHost Backends, GatewayTestHost Gateway, HttpClient Client)> StartAsync(int latencyMs)
    {
        var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.LatencyMs = latencyMs;
        var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances, new JsonObject { ["Protocols"] = "Http2" }));
        var client = new HttpClient
        {
            BaseAddress = gateway.ProxyUrl,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(10),
        };
        return (backends, gateway, client);
    }

    [Fact]
    public async Task H2c_PriorKnowledge_IsProxied()
    {
        var (backends, gateway, client) = await StartAsync(latencyMs: 0);
        await using var _ = backends;
        await using var __ = gateway;
        using var ___ = client;

        using var response = await client.GetAsync("/api/h2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    /// <summary>
    /// Rapid reset (CVE-2023-44487): streams opened and cancelled at once, up to 20 000, on one connection. Pass:
    /// the backend sees far fewer requests than streams were opened (Kestrel does not run each reset stream to the
    /// backend) or the connection is closed; a normal HTTP/2 client on another connection sees no errors.
    /// </summary>
    [Fact]
    public async Task RapidReset_OtherClientsUnaffected_BackendLoadBounded()
    {
        var (backends, gateway, client) = await StartAsync(latencyMs: 20);
        await using var _ = backends;
        await using var __ = gateway;
        using var ___ = client;
        var served = backends.Instances[0].Capacity.Served;

        using var attacker = await RawHttp2.ConnectAsync(gateway.ProxyUrl);
        var block = RawHttp2.RequestBlock("/api/reset");
        var normal = NormalLoadAsync(client, TimeSpan.FromSeconds(4));
        var clock = Stopwatch.StartNew();
        var endedAt = attacker.Ended.ContinueWith(_ => clock.Elapsed, TaskScheduler.Default);
        var streams = 0;
        while (streams < 20_000 && !attacker.Ended.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            var batch = new List<byte>();
            for (var i = 0; i < 100; i++, streams++)
            {
                var id = (streams * 2) + 1;
                batch.AddRange(RawHttp2.Frame(RawHttp2.Headers, RawHttp2.EndStream | RawHttp2.EndHeaders, id, block));
                batch.AddRange(RawHttp2.RstCancel(id));
            }

            if (!await attacker.TryWriteAsync([.. batch]))
            {
                break;
            }
        }

        var (requests, errors) = await normal;
        await Task.WhenAny(attacker.Ended, Task.Delay(2000));
        var reachedBackend = backends.Instances[0].Capacity.Served - served;
        var ended = attacker.Ended.IsCompleted ? $"{await attacker.Ended} at {(await endedAt).TotalSeconds:F2} s" : "still open";
        output.WriteLine($"rapid reset: {streams} streams opened and reset; attacker connection {ended}; {reachedBackend} requests reached the backend; normal client {requests} requests, {errors} errors");

        Assert.Equal(0, errors);
        Assert.True(requests > 0);
        Assert.True(attacker.Ended.IsCompleted || reachedBackend < streams / 2, $"{reachedBackend} of {streams} reset streams reached the backend");
    }

    /// <summary>
    /// CONTINUATION flood: one HEADERS frame without END_HEADERS, then 16 KB CONTINUATION frames without end (up to
    /// 16 MB). Pass: the gateway closes the connection (it never buffers past the header size limit) within 5 s, and a
    /// normal HTTP/2 client on another connection sees no errors.
    /// </summary>
    [Fact]
    public async Task ContinuationFlood_ConnectionClosed_OtherClientsUnaffected()
    {
        var (backends, gateway, client) = await StartAsync(latencyMs: 0);
        await using var _ = backends;
        await using var __ = gateway;
        using var ___ = client;

        using var attacker = await RawHttp2.ConnectAsync(gateway.ProxyUrl);
        var normal = NormalLoadAsync(client, TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();
        var endedAt = attacker.Ended.ContinueWith(_ => clock.Elapsed, TaskScheduler.Default);
        var filler = RawHttp2.RequestBlock("/api/flood", ("x-a", new string('a', 16_000)))[^16_008..];
        var written = 0;
        if (await attacker.TryWriteAsync(RawHttp2.Frame(RawHttp2.Headers, RawHttp2.EndStream, 1, RawHttp2.RequestBlock("/api/flood"))))
        {
            var frame = RawHttp2.Frame(RawHttp2.Continuation, 0, 1, filler);
            while (written < 1000 && !attacker.Ended.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(5) && await attacker.TryWriteAsync(frame))
            {
                written++;
            }
        }

        await Task.WhenAny(attacker.Ended, Task.Delay(TimeSpan.FromSeconds(5)));
        var (requests, errors) = await normal;
        var ended = attacker.Ended.IsCompleted ? $"{await attacker.Ended} at {(await endedAt).TotalSeconds:F2} s" : "still open";
        output.WriteLine($"CONTINUATION flood: {written} frames of 16 KB written; attacker connection {ended}; normal client {requests} requests, {errors} errors");

        Assert.True(attacker.Ended.IsCompleted, "the flooding connection is still open");
        Assert.Equal(0, errors);
        Assert.True(requests > 0);
    }

    private static async Task<(int Requests, int Errors)> NormalLoadAsync(HttpClient client, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var requests = 0;
        var errors = 0;
        while (clock.Elapsed < duration && requests < 10_000)
        {
            requests++;
            try
            {
                using var response = await client.GetAsync("/api/normal");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    errors++;
                }
            }
            catch (HttpRequestException)
            {
                errors++;
            }
        }

        return (requests, errors);
    }
}
