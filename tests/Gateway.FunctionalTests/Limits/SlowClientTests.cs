using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Hostile and slow clients while normal clients are served. Timing-sensitive, so they run alone (serial group).
/// Pass criteria are in each test's comment; measured figures go to the test output.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class SlowClientTests(ITestOutputHelper output)
{
    /// <summary>
    /// Slowloris: 80 connections trickle header lines every 250 ms. Pass: normal clients see no errors, their p99
    /// stays within 2x the baseline p99 (or 50 ms, whichever is larger: loopback baselines of 1-2 ms are noise),
    /// and every slow connection is closed within the 1 s header timeout plus 3 s (Kestrel checks once a second, and
    /// 80 connections share two cores with the load and the backend).
    /// </summary>
    [Fact]
    public async Task Slowloris_SlowConnectionsClosedAtTheHeaderTimeout_NormalClientsUnaffected()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var limits = new JsonObject { ["RequestHeadersTimeout"] = "00:00:01" };
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances, limits));
        await gateway.Proxy.GetAsync("/api/warmup");

        var baseline = await MeasureAsync(gateway, TimeSpan.FromSeconds(2));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var slow = Enumerable.Range(0, 80).Select(_ => TrickleHeadersAsync(gateway.ProxyUrl, stop.Token)).ToArray();
        var underAttack = await MeasureAsync(gateway, TimeSpan.FromSeconds(3));
        var closedAfter = await Task.WhenAll(slow);

        output.WriteLine($"baseline: {baseline}");
        output.WriteLine($"under slowloris: {underAttack}");
        output.WriteLine($"slow connections closed after {closedAfter.Min().TotalSeconds:F2}-{closedAfter.Max().TotalSeconds:F2} s");
        Assert.Equal(0, baseline.Errors);
        Assert.Equal(0, underAttack.Errors);
        Assert.True(underAttack.P99 <= Max(2 * baseline.P99, TimeSpan.FromMilliseconds(50)), $"p99 {underAttack.P99} vs baseline {baseline.P99}");
        Assert.All(closedAfter, t => Assert.InRange(t, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4)));
        Assert.Equal((0L, 0), await EdgeTestConfig.BlameAsync(gateway));
    }

    /// <summary>
    /// Slow body: uploads at ~20 bytes/s, under the 240 bytes/s minimum. Pass: each is cut off (4xx or closed,
    /// never a 5xx) within the 2 s grace period plus 4 s, normal clients see no errors, and the backend is not blamed
    /// (one blamed failure would eject it).
    /// </summary>
    [Fact]
    public async Task SlowBody_IsCutOffAtTheMinimumDataRate_BackendNotBlamed()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var limits = new JsonObject { ["MinDataRateGracePeriod"] = "00:00:02" };
        var config = EdgeTestConfig.Create(backends.Instances, limits);
        // Admission comes before the body is read, so five trickling bodies would hold the cold cluster's MinLimit
        // slots while its baseline is measured; this case is about Kestrel's data rate, with shedding off.
        config["Gateway"]!["Shedding"] = new JsonObject { ["Enabled"] = false };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        var slow = Enumerable.Range(0, 5).Select(_ => TrickleBodyAsync(gateway.ProxyUrl)).ToArray();
        var load = await MeasureAsync(gateway, TimeSpan.FromSeconds(2));
        var results = await Task.WhenAll(slow);

        foreach (var (status, elapsed) in results)
        {
            output.WriteLine($"slow body: status {status} after {elapsed.TotalSeconds:F2} s");
            Assert.True(status is 0 or (>= 400 and < 500), $"status {status}");
            Assert.True(elapsed < TimeSpan.FromSeconds(6), $"took {elapsed}");
        }

        Assert.Equal(0, load.Errors);
        Assert.Equal((0L, 0), await EdgeTestConfig.BlameAsync(gateway));
    }

    /// <summary>
    /// Clients that go away mid-request (body half sent; waiting on a slow answer). Pass: the backend is not blamed
    /// (one blamed failure would eject it) and the next request is served.
    /// </summary>
    [Fact]
    public async Task ClientAborts_NeverCountAgainstTheBackend()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.LatencyMs = 300;
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances));

        for (var i = 0; i < 5; i++)
        {
            using (var client = await RawHttp.ConnectAsync(gateway.ProxyUrl))
            {
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100)));
                await Task.Delay(100);
            }

            using (var client = await RawHttp.ConnectAsync(gateway.ProxyUrl))
            {
                await client.GetStream().WriteAsync("GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n"u8.ToArray());
                await Task.Delay(100);
            }
        }

        await Task.Delay(500);
        Assert.Equal((0L, 0), await EdgeTestConfig.BlameAsync(gateway));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Proxy.GetAsync("/api/after")).StatusCode);
    }

    /// <summary>
    /// Clients that never read a 256 MiB response. Pass: the gateway does not buffer it (backpressure: at most
    /// 32 MiB per stalled client leaves the backend, kernel socket buffers included) and normal clients see no
    /// errors. Whether the minimum response data rate (100 KiB/s here) has disconnected them is measured and
    /// reported, not asserted: Kestrel credits each write with size / rate, so the megabytes that went into socket
    /// buffers before the client stalled buy it a long time; in these runs none was cut within 12 s.
    /// </summary>
    [Fact]
    public async Task ClientNeverReads_ResponseNotBuffered_OthersServed()
    {
        const long bodySize = 256L * 1024 * 1024;
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + bodySize + "\r\n\r\n";
        await using var bigBackend = new FakeBackend(_ => head, bodySize);
        var limits = new JsonObject { ["MinDataRateGracePeriod"] = "00:00:02", ["MinResponseDataRate"] = 102400 };
        var config = EdgeTestConfig.Create(backends.Instances, limits);
        config["ReverseProxy"]!["Routes"]!["big"] = new JsonObject { ["ClusterId"] = "big", ["Match"] = new JsonObject { ["Path"] = "/big/{**rest}" } };
        config["ReverseProxy"]!["Clusters"]!["big"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = bigBackend.Url.ToString() } },
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        var stalled = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var client = new TcpClient { ReceiveBufferSize = 4096 };
                await client.ConnectAsync(IPAddress.Loopback, gateway.ProxyUrl.Port);
                stalled.Add(client);
                await client.GetStream().WriteAsync("GET /big/x HTTP/1.1\r\nHost: gw\r\n\r\n"u8.ToArray());
            }

            var load = await MeasureAsync(gateway, TimeSpan.FromSeconds(6));
            var taken = bigBackend.BytesStreamed;
            var closed = await Task.WhenAll(stalled.Select(c => RawHttp.IsClosedAsync(c.GetStream(), TimeSpan.FromSeconds(1))));

            output.WriteLine($"4 never-reading clients: {taken / (1024 * 1024)} MiB left the backend in 6 s; {closed.Count(c => c)} of 4 disconnected; others: {load}");
            Assert.InRange(taken, 0, 4 * 32L * 1024 * 1024);
            Assert.Equal(0, load.Errors);
        }
        finally
        {
            stalled.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// Connection flood over <c>MaxConcurrentConnections</c> (20 here). Pass: the connections over the limit are
    /// closed at once, the admin listener keeps answering, and once the keep-alive timeout has closed the idle flood
    /// connections normal clients are served again (within 5 s) without the flood letting go.
    /// </summary>
    [Fact]
    public async Task ConnectionFlood_OverTheLimitClosed_AdminAnswers_OthersRecover()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        // A connection that sends nothing waits under the keep-alive timeout, not the header timeout.
        var limits = new JsonObject { ["MaxConcurrentConnections"] = 20, ["KeepAliveTimeout"] = "00:00:01" };
        await using var gateway = await GatewayTestHost.StartAsync(EdgeTestConfig.Create(backends.Instances, limits));

        var flood = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 60; i++)
            {
                flood.Add(await RawHttp.ConnectAsync(gateway.ProxyUrl));
            }

            var closedAtOnce = 0;
            var checks = await Task.WhenAll(flood.Select(c => RawHttp.IsClosedAsync(c.GetStream(), TimeSpan.FromMilliseconds(500))));
            closedAtOnce = checks.Count(c => c);
            var admin = await gateway.Admin.GetAsync("/healthz");

            var clock = Stopwatch.StartNew();
            HttpStatusCode? recovered = null;
            using var fresh = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(2) };
            while (clock.Elapsed < TimeSpan.FromSeconds(5) && recovered != HttpStatusCode.OK)
            {
                try
                {
                    using var response = await fresh.GetAsync("/api/x");
                    recovered = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }

            output.WriteLine($"flood: {closedAtOnce} of 60 closed at once; admin /healthz {(int)admin.StatusCode}; proxy served again after {clock.Elapsed.TotalSeconds:F2} s");
            Assert.InRange(closedAtOnce, 40, 60);
            Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
            Assert.Equal(HttpStatusCode.OK, recovered);
        }
        finally
        {
            flood.ForEach(c => c.Dispose());
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Sends a request line and then one header line every 250 ms; returns when the gateway closed it.</summary>
    private static async Task<TimeSpan> TrickleHeadersAsync(Uri gateway, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        using var client = await RawHttp.ConnectAsync(gateway);
        var stream = client.GetStream();
        var closed = RawHttp.IsClosedAsync(stream, TimeSpan.FromSeconds(10));
        try
        {
            await stream.WriteAsync("GET /api/x HTTP/1.1\r\nHost: gw\r\n"u8.ToArray(), stop);
            for (var i = 0; !closed.IsCompleted && !stop.IsCancellationRequested; i++)
            {
                await Task.Delay(250, stop);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"X-Slow-{i}: a\r\n"), stop);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
        }

        await closed;
        return clock.Elapsed;
    }

    /// <summary>Posts a 10 000-byte body at 10 bytes every 500 ms; returns the status (0: closed without one).</summary>
    private static async Task<(int Status, TimeSpan Elapsed)> TrickleBodyAsync(Uri gateway)
    {
        var clock = Stopwatch.StartNew();
        using var client = await RawHttp.ConnectAsync(gateway);
        var stream = client.GetStream();
        var answer = RawHttp.ReadAllAsync(stream, TimeSpan.FromSeconds(12));
        try
        {
            await stream.WriteAsync("POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 10000\r\n\r\n"u8.ToArray());
            for (var i = 0; i < 20 && !answer.IsCompleted; i++)
            {
                await stream.WriteAsync("aaaaaaaaaa"u8.ToArray());
                await Task.WhenAny(answer, Task.Delay(500));
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
        }

        var text = await answer;
        return (RawHttp.FirstStatus(text), clock.Elapsed);
    }

    private static async Task<LoadResult> MeasureAsync(GatewayTestHost gateway, TimeSpan duration)
    {
        var latencies = new ConcurrentBag<TimeSpan>();
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 10_000 && clock.Elapsed < duration; i++)
            {
                var started = clock.Elapsed;
                try
                {
                    using var response = await gateway.Proxy.GetAsync("/api/normal");
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies.Add(clock.Elapsed - started);
            }
        })));
        var sorted = latencies.Order().ToArray();
        return new LoadResult(sorted.Length, errors, sorted[sorted.Length / 2], sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))]);
    }

    private sealed record LoadResult(int Requests, int Errors, TimeSpan P50, TimeSpan P99)
    {
        public override string ToString() =>
            $"{Requests} requests, {Errors} errors, p50 {P50.TotalMilliseconds:F1} ms, p99 {P99.TotalMilliseconds:F1} ms";
    }
}
