using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.FunctionalTests.Redis;

/// <summary>redis-server killed and restarted under a running gateway (its own redis-server).</summary>
public sealed class RedisConnectionTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static bool IsLeaseOk(CollectedMeasurement<long> m) =>
        (string?)m.Tags["operation"] == "lease" && (string?)m.Tags["outcome"] == "ok";

    private static bool IsSlowRedis(CollectedMeasurement<long> m) => (string?)m.Tags["reason"] == "timeout";

    private static async Task<(HttpStatusCode Status, TimeSpan Took)> TimedSendAsync(GatewayTestHost gateway)
    {
        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");
        return (response.StatusCode, clock.Elapsed);
    }

    [Fact]
    public async Task RedisKilledMidRun_NoRequestFails_LocalShareLimits_ThenGatewayReturnsToRedis()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        // Default Redis timeout (5 ms); lease size 1 (a twentieth of 20).
        var config = RedisTestConfig.WithRedis(
            RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(20, scope: "Global"), "fallback"), redis.Configuration);
        await using var gateway = await GatewayTestHost.StartAsync(config);
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var fallbacks = new MetricCollector<long>(meters, "Gateway", "gateway.ratelimit.redis.fallbacks");
        using var trips = new MetricCollector<long>(meters, "Gateway", "gateway.ratelimit.redis.round_trips");
        await RedisTestConfig.WaitForLiveInstancesAsync(gateway, 1);
        // Through Redis, though on a busy 2-core machine a cold call can miss the 5 ms bound and be decided by the
        // local share instead; those spend the fallback's tokens, counted below.
        for (var i = 0; i < 10 && !trips.GetMeasurementSnapshot().Any(IsLeaseOk); i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await TimedSendAsync(gateway)).Status);
        }

        Assert.Contains(trips.GetMeasurementSnapshot(), IsLeaseOk);
        var before = fallbacks.GetMeasurementSnapshot().Count;

        await redis.StopAsync();
        var during = new List<(HttpStatusCode Status, TimeSpan Took)>();
        for (var i = 0; i < 40; i++)
        {
            during.Add(await TimedSendAsync(gateway));
        }

        Assert.All(during, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {r.Status}"));
        // The fallback holds this instance's share, 20 / 1 live instance; at most one leased token was left over.
        Assert.InRange(during.Count(r => r.Status == HttpStatusCode.OK), 20 - before, 21);
        Assert.True(fallbacks.GetMeasurementSnapshot().Count > before);
        // Redis is waited on for 5 ms at most; the rest is the proxy round trip on a shared 2-core machine.
        // One request may meet a GC pause or a starved thread pool while the rest of the suite runs; a request held
        // by the dead Redis would take its connect timeout (seconds), so the second slowest and a 2 s cap say it.
        var slowest = during.Max(r => r.Took);
        var secondSlowest = during.Select(r => r.Took).Order().ElementAt(during.Count - 2);
        Assert.True(
            secondSlowest < TimeSpan.FromMilliseconds(250) && slowest < TimeSpan.FromSeconds(2),
            $"slowest request took {slowest.TotalMilliseconds:0} ms: {string.Join(", ", during.Select(r => $"{(int)r.Status}/{r.Took.TotalMilliseconds:0}"))}");
        Assert.Equal("Degraded", (await RedisTestConfig.RedisCheckAsync(gateway)).Status);

        await redis.StartAsync();
        await RedisTestConfig.WaitForLiveInstancesAsync(gateway, 1);
        var leasesBefore = trips.GetMeasurementSnapshot().Count(IsLeaseOk);
        var slowBefore = fallbacks.GetMeasurementSnapshot().Count(IsSlowRedis);

        // The restarted Redis is empty, so its bucket is whole; the fallback's is spent (and does not refill): every
        // request that passes now came through Redis, by a lease call of its own or, when a busy machine makes that
        // call miss the 5 ms bound, against Redis's last answer and charged to Redis with the next call.
        var after = new List<HttpStatusCode>();
        for (var i = 0; i < 30 && after.Count(s => s == HttpStatusCode.OK) < 5; i++)
        {
            after.Add((await TimedSendAsync(gateway)).Status);
        }

        var leasesAfter = trips.GetMeasurementSnapshot().Count(IsLeaseOk);
        var slowAfter = fallbacks.GetMeasurementSnapshot().Count(IsSlowRedis);
        Assert.True(after.Count(s => s == HttpStatusCode.OK) >= 5, string.Join(", ", after));
        Assert.True(
            leasesAfter - leasesBefore + (slowAfter - slowBefore) >= 5,
            $"lease calls {leasesBefore} -> {leasesAfter}, decided while Redis was slow {slowBefore} -> {slowAfter}");
    }
}
