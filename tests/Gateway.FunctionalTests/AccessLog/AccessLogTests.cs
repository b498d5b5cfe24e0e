using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.FunctionalTests.AccessLog;

/// <summary>The access log of a real gateway, read back from its file and parsed line by line.</summary>
public sealed class AccessLogTests : IAsyncLifetime
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private readonly string _logPath = Path.Combine(Path.GetTempPath(), "gateway-accesslog-" + Guid.NewGuid().ToString("N") + ".log");
    private global::SampleBackend.SampleBackendHost _backends = null!;

    public async Task InitializeAsync() => _backends = await Backends.StartAsync("b1@eu-west");

    public async Task DisposeAsync()
    {
        await _backends.DisposeAsync();
        File.Delete(_logPath);
    }

    private JsonObject Config(int queueLimit = 10_000)
    {
        var config = TestConfig.SingleCluster(_backends.Instances);
        var proxy = config["ReverseProxy"]!;
        proxy["Routes"]!["quiet"] = new JsonObject
        {
            ["ClusterId"] = "api",
            ["Match"] = new JsonObject { ["Path"] = "/quiet/{**rest}" },
            ["Metadata"] = new JsonObject { ["AccessLog"] = "false" },
        };
        proxy["Routes"]!["down"] = new JsonObject { ["ClusterId"] = "down", ["Match"] = new JsonObject { ["Path"] = "/down/{**rest}" } };
        proxy["Clusters"]!["down"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["gone"] = new JsonObject { ["Address"] = $"http://127.0.0.1:{FreePort.Next()}/" } },
        };
        config["Gateway"] = new JsonObject
        {
            ["AccessLog"] = new JsonObject { ["Enabled"] = true, ["Path"] = _logPath, ["QueueLimit"] = queueLimit },
        };
        return config;
    }

    private async Task<List<JsonElement>> ReadLinesAsync(int atLeast)
    {
        List<JsonElement> lines = [];
        await Eventually.TrueAsync(
            async () =>
            {
                if (!File.Exists(_logPath))
                {
                    return false;
                }

                var text = await File.ReadAllLinesAsync(_logPath);
                lines = [.. text.Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
                return lines.Count >= atLeast;
            },
            what: $"{atLeast} access log line(s)");
        return lines;
    }

    [Fact]
    public async Task Requests_OneLinePerRequestWithEveryField_RouteSwitchedOffIsLeftOut()
    {
        await using var gateway = await GatewayTestHost.StartAsync(Config());
        var body = new string('x', 100);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/items?secret=s3cret") { Content = new StringContent(body) };
        post.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
        post.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var served = await gateway.Proxy.SendAsync(post);
        var servedBody = await served.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using (var quiet = await gateway.Proxy.GetAsync("/quiet/x"))
        {
            Assert.Equal(HttpStatusCode.OK, quiet.StatusCode);
        }

        using var refused = await gateway.Proxy.GetAsync("/down/x");
        var refusedBody = await refused.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);

        var lines = await ReadLinesAsync(2);

        Assert.Equal(2, lines.Count);
        var line = lines[0];
        Assert.Equal(17, line.EnumerateObject().Count());
        var time = DateTimeOffset.Parse(line.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow - time, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        // The peer (loopback) is not a trusted proxy, so its X-Forwarded-For is not believed.
        Assert.Equal("127.0.0.1", line.GetProperty("client").GetString());
        Assert.Equal("POST", line.GetProperty("method").GetString());
        Assert.Equal(gateway.ProxyUrl.Authority, line.GetProperty("host").GetString());
        Assert.Equal("/api/items", line.GetProperty("path").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("reason").ValueKind);
        Assert.Equal("api", line.GetProperty("route").GetString());
        Assert.Equal("api", line.GetProperty("cluster").GetString());
        Assert.Equal("b1", line.GetProperty("destination").GetString());
        Assert.Equal("eu-west", line.GetProperty("region").GetString());
        Assert.Equal(1, line.GetProperty("attempts").GetInt32());
        var headers = line.GetProperty("backendHeadersSeconds").GetDouble();
        var total = line.GetProperty("totalSeconds").GetDouble();
        Assert.InRange(headers, 0, total);
        Assert.InRange(total, 0, 10);
        Assert.Equal(body.Length, line.GetProperty("bytesIn").GetInt64());
        Assert.Equal(servedBody.Length, line.GetProperty("bytesOut").GetInt64());
        Assert.Equal(TraceId, line.GetProperty("traceId").GetString());

        var failed = lines[1];
        Assert.Equal("GET", failed.GetProperty("method").GetString());
        Assert.Equal("/down/x", failed.GetProperty("path").GetString());
        Assert.Equal(502, failed.GetProperty("status").GetInt32());
        Assert.Equal("upstream-unreachable", failed.GetProperty("reason").GetString());
        Assert.Equal("down", failed.GetProperty("route").GetString());
        Assert.Equal("down", failed.GetProperty("cluster").GetString());
        Assert.Equal("gone", failed.GetProperty("destination").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("region").ValueKind);
        Assert.True(failed.GetProperty("attempts").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("backendHeadersSeconds").ValueKind);
        Assert.Equal(0, failed.GetProperty("bytesIn").GetInt64());
        Assert.Equal(refusedBody.Length, failed.GetProperty("bytesOut").GetInt64());
        Assert.Matches("^[0-9a-f]{32}$", failed.GetProperty("traceId").GetString()!);
    }

    [Fact]
    public async Task FileRenamedAway_ANewFileAtThePathGetsTheNextLines()
    {
        await using var gateway = await GatewayTestHost.StartAsync(Config());
        using (var first = await gateway.Proxy.GetAsync("/api/first"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.Single(await ReadLinesAsync(1));
        var rotated = _logPath + ".1";
        File.Move(_logPath, rotated);
        try
        {
            // Within about a second of the rename, lines go to a new file at the path (logrotate's create mode).
            await Eventually.TrueAsync(
                async () =>
                {
                    using var next = await gateway.Proxy.GetAsync("/api/second");
                    return File.Exists(_logPath) && (await File.ReadAllLinesAsync(_logPath)).Any(l => l.Contains("/api/second", StringComparison.Ordinal));
                },
                TimeSpan.FromSeconds(10),
                "a line in the new file");

            var old = (await File.ReadAllLinesAsync(rotated)).Where(l => l.Length > 0).ToList();
            Assert.Contains(old, l => l.Contains("/api/first", StringComparison.Ordinal));
            Assert.DoesNotContain((await File.ReadAllLinesAsync(_logPath)).Where(l => l.Length > 0), l => l.Contains("/api/first", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(rotated);
        }
    }

    [Fact]
    public async Task Flood_TinyQueue_EveryRequestServedAndEveryLineWrittenOrCountedAsDropped()
    {
        const int requests = 400;
        var gateway = await GatewayTestHost.StartAsync(Config(queueLimit: 1));
        using var dropped = new MetricCollector<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.accesslog.dropped");
        try
        {
            var statuses = new HttpStatusCode[requests];
            await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, cancel) =>
            {
                using var response = await gateway.Proxy.GetAsync("/api/flood", cancel);
                statuses[i] = response.StatusCode;
            });

            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        }
        finally
        {
            // Stopping writes what is still queued.
            await gateway.DisposeAsync();
        }

        var written = (await File.ReadAllLinesAsync(_logPath)).Count(l => l.Length > 0);
        var droppedLines = dropped.GetMeasurementSnapshot().Sum(m => m.Value);
        Assert.Equal(requests, written + droppedLines);
    }
}
