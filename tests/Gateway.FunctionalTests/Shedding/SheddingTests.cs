using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.Shedding;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>A small storm against a backend of known capacity, through the gateway. Timing-sensitive, so run alone.</summary>
[Collection(SerialGroup.Name)]
public sealed class SheddingTests(ITestOutputHelper output)
{
    private const int Capacity = 8;
    private static readonly TimeSpan ServiceTime = TimeSpan.FromMilliseconds(20);

    private static JsonObject Config(global::SampleBackend.BackendInstance backend)
    {
        var config = TestConfig.SingleCluster([backend], routePath: "/api/{**rest}");
        var routes = config["ReverseProxy"]!["Routes"]!.AsObject();
        routes["critical"] = Route("/critical/{**rest}", "critical");
        routes["sync"] = Route("/sync/{**rest}", "sheddable");
        config["ReverseProxy"]!["Clusters"]!["api"]!["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } };
        config["Gateway"] = new JsonObject
        {
            ["Shedding"] = new JsonObject
            {
                ["Enabled"] = true,
                ["MinLimit"] = 4,
                ["InitialLimit"] = Capacity,
                ["MaxLimit"] = 64,
                ["QueueLimit"] = 64,
                // Long enough that a critical request never times out in the queue on a machine busy with the rest
                // of the suite: critical waiters take every slot that frees before anyone else.
                ["QueueTimeout"] = "00:00:00.500",
                ["CriticalQueueTimeout"] = "00:00:00.500",
            },
        };
        return config;

        static JsonObject Route(string path, string priority) => new()
        {
            ["ClusterId"] = "api",
            ["Match"] = new JsonObject { ["Path"] = path },
            ["Metadata"] = new JsonObject { ["Priority"] = priority },
        };
    }

    private static async Task<(HttpStatusCode Status, string? Reason, string? RetryAfter)> SendAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        return (
            response.StatusCode,
            response.Headers.TryGetValues("X-Gateway-Reason", out var reason) ? reason.Single() : null,
            response.Headers.TryGetValues("Retry-After", out var retry) ? retry.Single() : null);
    }

    /// <summary>Six waves of 50 requests, 100 ms apart: per wave 5 critical, 20 default and 25 sheddable.</summary>
    private static async Task<List<(string Path, HttpStatusCode Status, string? Reason, string? RetryAfter)>> StormAsync(HttpClient client)
    {
        var calls = new List<Task<(string, HttpStatusCode, string?, string?)>>();
        for (var wave = 0; wave < 6; wave++)
        {
            for (var i = 0; i < 50; i++)
            {
                var path = i < 5 ? "/critical/x" : i < 25 ? "/api/x" : "/sync/x";
                calls.Add(Task.Run(async () =>
                {
                    var (status, reason, retryAfter) = await SendAsync(client, path);
                    return (path, status, reason, retryAfter);
                }));
            }

            await Task.Delay(100);
        }

        return [.. await Task.WhenAll(calls)];
    }

    [Fact]
    public async Task SmallStorm_BackendKeptNearItsCapacity_CriticalServed_SheddableRefusedOverloaded()
    {
        await using var backends = await Backends.StartAsync(Capacity, ServiceTime, "a-1@eu-west");
        var backend = backends.Instances[0];
        using var direct = new HttpClient { BaseAddress = backend.Url };

        // The same storm straight at the backend, for comparison: its queue takes everything.
        await StormAsync(direct);
        var directPeak = backend.Capacity.PeakQueued;
        backend.Capacity.ResetPeak();

        await using var gateway = await GatewayTestHost.StartAsync(Config(backend));
        // Warm up: the limit measures the backend's no-load latency first.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway.Proxy, "/api/x")).Status);
        }

        var cluster = gateway.Services.GetRequiredService<SheddingRegistry>().All().Single();
        using var retryAfters = new MetricCollector<int>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.shedding.retry_after");
        using var timesInQueue = new MetricCollector<double>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.shedding.time_in_queue");
        using var stop = new CancellationTokenSource();
        var maxInFlight = 0;
        var maxLimit = 0;
        var watch = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                maxInFlight = Math.Max(maxInFlight, cluster.InFlight);
                maxLimit = Math.Max(maxLimit, cluster.Limit.Current);
                await Task.Delay(1);
            }
        });

        var results = await StormAsync(gateway.Proxy);
        await stop.CancelAsync();
        await watch;

        int Count(string path, HttpStatusCode status) => results.Count(r => r.Path == path && r.Status == status);
        var peak = backend.Capacity.PeakQueued;
        output.WriteLine($"direct: backend peak queue {directPeak}");
        output.WriteLine($"gateway: backend peak queue {peak}, gateway max in flight {maxInFlight}, max limit {maxLimit}, limit now {cluster.Limit.Current}");
        foreach (var path in new[] { "/critical/x", "/api/x", "/sync/x" })
        {
            output.WriteLine($"{path}: {Count(path, HttpStatusCode.OK)} ok, {Count(path, HttpStatusCode.ServiceUnavailable)} overloaded");
        }

        Assert.Equal(30, Count("/critical/x", HttpStatusCode.OK));
        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{r.Path}: {r.Status}"));
        foreach (var refused in results.Where(r => r.Status == HttpStatusCode.ServiceUnavailable))
        {
            Assert.Equal("overloaded", refused.Reason);
            Assert.InRange(int.Parse(refused.RetryAfter!, CultureInfo.InvariantCulture), 1, 30);
        }

        // The metric holds the Retry-After each refusal was given, by priority.
        var recorded = retryAfters.GetMeasurementSnapshot();
        foreach (var (path, priority) in new[] { ("/critical/x", "critical"), ("/api/x", "default"), ("/sync/x", "sheddable") })
        {
            Assert.Equal(
                results.Where(r => r.Path == path && r.Status == HttpStatusCode.ServiceUnavailable).Select(r => int.Parse(r.RetryAfter!, CultureInfo.InvariantCulture)).Order(),
                recorded.Where(m => (string?)m.Tags["gateway.priority"] == priority).Select(m => m.Value).Order());
        }

        // Every refusal's time in admission is recorded with its reason; each granted waiter's with "granted", and only
        // requests that were served were granted.
        var inQueue = timesInQueue.GetMeasurementSnapshot();
        foreach (var (path, priority) in new[] { ("/critical/x", "critical"), ("/api/x", "default"), ("/sync/x", "sheddable") })
        {
            var ofPriority = inQueue.Where(m => (string?)m.Tags["gateway.priority"] == priority).ToList();
            Assert.Equal(Count(path, HttpStatusCode.ServiceUnavailable), ofPriority.Count(m => (string?)m.Tags["gateway.shedding.outcome"] != "granted"));
            Assert.InRange(ofPriority.Count(m => (string?)m.Tags["gateway.shedding.outcome"] == "granted"), 0, Count(path, HttpStatusCode.OK));
            Assert.All(ofPriority, m => Assert.InRange(m.Value, 0, 2.5));
        }

        Assert.Contains(inQueue, m => (string?)m.Tags["gateway.shedding.outcome"] == "granted");
        var sheddableRefused = Count("/sync/x", HttpStatusCode.ServiceUnavailable) / 150.0;
        var defaultRefused = Count("/api/x", HttpStatusCode.ServiceUnavailable) / 120.0;
        Assert.True(sheddableRefused > 0, "no sheddable request was refused");
        Assert.True(sheddableRefused >= defaultRefused, $"sheddable refused {sheddableRefused:P0}, default {defaultRefused:P0}");

        // The backend never had more than the gateway's limit (plus what its own queue holds of it) in its hands.
        Assert.True(maxInFlight <= maxLimit, $"in flight {maxInFlight} over limit {maxLimit}");
        Assert.True(peak <= Math.Max(0, maxLimit - Capacity) + 2, $"backend queue peaked at {peak} with limit {maxLimit}");
        Assert.True(peak < directPeak / 4, $"backend queue peaked at {peak} through the gateway, {directPeak} direct");
    }

    [Fact]
    public async Task Refusal_WithTheLimitTaken_IsAnsweredAtOnceWithoutReadingTheBody()
    {
        await using var backends = await Backends.StartAsync(Capacity, ServiceTime, "a-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        var config = Config(backends.Instances[0]);
        var shedding = config["Gateway"]!["Shedding"]!.AsObject();
        shedding["MinLimit"] = 2;
        shedding["InitialLimit"] = 2;
        shedding["MaxLimit"] = 2;
        shedding["QueueLimit"] = 0;
        await using var gateway = await GatewayTestHost.StartAsync(config);
        using var stuck = new CancellationTokenSource();
        var hanging = Enumerable.Range(0, 2).Select(_ => gateway.Proxy.GetAsync("/critical/x", stuck.Token)).ToArray();
        var registry = gateway.Services.GetRequiredService<SheddingRegistry>();
        for (var i = 0; i < 500 && registry.All().SingleOrDefault()?.InFlight != 2; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(2, registry.All().Single().InFlight);
        var latencies = new double[500];
        var clock = new System.Diagnostics.Stopwatch();
        for (var i = 0; i < latencies.Length; i++)
        {
            // A body the gateway never reads: the refusal does not wait for it.
            using var body = new ByteArrayContent(new byte[16 * 1024]);
            clock.Restart();
            using var response = await gateway.Proxy.PostAsync("/api/x", body);
            latencies[i] = clock.Elapsed.TotalMilliseconds;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("overloaded", response.Headers.GetValues("X-Gateway-Reason").Single());
        }

        Array.Sort(latencies);
        var p50 = latencies[latencies.Length / 2];
        var p99 = latencies[(int)(latencies.Length * 0.99)];
        output.WriteLine($"refusal round trip over loopback (client included): p50 {p50:F3} ms, p99 {p99:F3} ms, max {latencies[^1]:F3} ms");
        Assert.True(p99 < 50, $"p99 {p99:F3} ms");
        Assert.Equal(0, backends.Instances[0].Capacity.Served);

        await stuck.CancelAsync();
        foreach (var request in hanging)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }
    }

    [Fact]
    public async Task AdminClusters_ShowsConcurrencyLimitAndInFlight()
    {
        await using var backends = await Backends.StartAsync(Capacity, ServiceTime, "a-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(Config(backends.Instances[0]));

        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        var cluster = clusters.RootElement.GetProperty("clusters")[0];

        Assert.Equal(4, cluster.GetProperty("concurrencyLimit").GetInt32());
        Assert.Equal(0, cluster.GetProperty("inFlight").GetInt32());
        Assert.Equal(0, cluster.GetProperty("queued").GetInt32());

        using var metrics = await gateway.Admin.GetAsync("/metrics");
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("gateway_shedding_limit", text, StringComparison.Ordinal);
        Assert.Contains("gateway_shedding_queue_length", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_TurnsSheddingOnAndOff_UnrelatedReloadKeepsTheLearnedLimit()
    {
        await using var backends = await Backends.StartAsync(Capacity, ServiceTime, "a-1@eu-west");
        var config = Config(backends.Instances[0]);
        var on = config["Gateway"]!.DeepClone();
        var off = new JsonObject { ["Shedding"] = new JsonObject { ["Enabled"] = false } };
        config["Gateway"] = off.DeepClone();
        await using var gateway = await GatewayTestHost.StartAsync(config);
        Assert.False(await HasLimitAsync(gateway));

        config["Gateway"] = on;
        var before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        Assert.Equal(Gateway.Configuration.ConfigReloadOutcome.Applied, (await gateway.WaitForReloadAsync(before)).Outcome);
        Assert.True(await HasLimitAsync(gateway));
        var shedder = gateway.Services.GetRequiredService<SheddingRegistry>().All().Single();

        // A change elsewhere keeps the cluster's shedder and what it learned.
        config["ReverseProxy"]!["Routes"]!["extra"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/extra/{**rest}" } };
        before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        await gateway.WaitForReloadAsync(before);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(gateway.Proxy, "/extra/x")).Status);
        Assert.Same(shedder, gateway.Services.GetRequiredService<SheddingRegistry>().All().Single());

        config["Gateway"] = off.DeepClone();
        before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        await gateway.WaitForReloadAsync(before);
        Assert.False(await HasLimitAsync(gateway));
    }

    private static async Task<bool> HasLimitAsync(GatewayTestHost gateway)
    {
        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        return clusters.RootElement.GetProperty("clusters")[0].TryGetProperty("concurrencyLimit", out _);
    }
}
