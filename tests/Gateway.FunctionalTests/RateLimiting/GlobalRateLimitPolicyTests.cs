using System.Diagnostics.Metrics;
using System.Net;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.FunctionalTests.RateLimiting;

/// <summary>Global policies shared by two real gateway instances through one real redis-server.</summary>
public sealed class GlobalRateLimitPolicyTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static MetricCollector<long> Collect(GatewayTestHost gateway, string instrument) =>
        new(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", instrument);

    private static async Task<HttpStatusCode> SendAsync(GatewayTestHost gateway, string apiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        request.Headers.Add("X-Api-Key", apiKey);
        using var response = await gateway.Proxy.SendAsync(request);
        return response.StatusCode;
    }

    [Theory]
    [InlineData("TokenBucket", null)]
    [InlineData("FixedWindow", null)]
    [InlineData("SlidingWindow", null)]
    [InlineData("TokenBucket", 8)]
    [InlineData("FixedWindow", 8)]
    [InlineData("SlidingWindow", 8)]
    public async Task TwoInstances_ClientSendsThreeTimesTheLimit_AdmittedTheLimitNotTwice(string algorithm, int? leaseSize)
    {
        const int limit = 60;
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var policy = new System.Text.Json.Nodes.JsonObject
        {
            ["Algorithm"] = algorithm,
            ["Scope"] = "Global",
            ["PartitionBy"] = "ApiKey",
            ["TokenLimit"] = limit,
            ["TokensPerPeriod"] = 1,
            ["ReplenishmentPeriod"] = "01:00:00",
            ["PermitLimit"] = limit,
            // Windows are aligned to Redis time; 10 min makes crossing a boundary mid-test unlikely.
            ["Window"] = "00:10:00",
            ["SegmentsPerWindow"] = 2,
        };
        if (leaseSize is { } size)
        {
            // Lease 8 prefetches at 2 left: an instance holds at most 10.
            policy["LeaseSize"] = size;
        }

        var lease = leaseSize ?? 3;
        var held = lease + (lease / 4);
        // A 200 ms Redis timeout: the test machine is shared, and a fallback would count against a different
        // bucket; the fallback path has its own test with the default 5 ms.
        var config = RedisTestConfig.WithRedis(
            RateLimitTestConfig.WithPolicy(backends.Instances, policy, $"shared-{algorithm}-{lease}"), redis.Configuration, "00:00:00.200");
        await using var one = await GatewayTestHost.StartAsync(config);
        await using var two = await GatewayTestHost.StartAsync(config);
        using var fallbacksOne = Collect(one, "gateway.ratelimit.redis.fallbacks");
        using var fallbacksTwo = Collect(two, "gateway.ratelimit.redis.fallbacks");
        using var tripsOne = Collect(one, "gateway.ratelimit.redis.round_trips");
        using var tripsTwo = Collect(two, "gateway.ratelimit.redis.round_trips");
        await RedisTestConfig.WaitForLiveInstancesAsync(one, 2);
        await RedisTestConfig.WaitForLiveInstancesAsync(two, 2);
        await SendAsync(one, "warm-up");
        await SendAsync(two, "warm-up");

        var apiKey = $"client-{algorithm}-{lease}";
        var admitted = 0;
        for (var batch = 0; batch < 3 * limit / 6; batch++)
        {
            // Six at a time, three to each instance.
            var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => SendAsync(i % 2 == 0 ? one : two, apiKey)));
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"status {s}"));
            admitted += statuses.Count(s => s == HttpStatusCode.OK);
        }

        // A decision Redis did not answer in time is taken by the local share (and may pass): on this shared
        // machine that happens now and then, so each one widens the upper bound by one.
        var fallbacks = fallbacksOne.GetMeasurementSnapshot().Count + fallbacksTwo.GetMeasurementSnapshot().Count;
        Assert.True(fallbacks <= 6, $"{fallbacks} decisions fell back");
        // No refill during the test, so nothing can pass beyond what Redis granted: at most the limit. At most what
        // two instances hold (lease 3 by default, a twentieth of 60) is left unspent at the end.
        Assert.InRange(admitted, limit - (2 * held), limit + fallbacks);
        var leaseCalls = tripsOne.GetMeasurementSnapshot().Concat(tripsTwo.GetMeasurementSnapshot())
            .Count(m => (string?)m.Tags["operation"] == "lease");
        Assert.InRange(leaseCalls, limit / lease, (limit / lease) + 30);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task TokenBucketRefilling_TwoInstances_AdmitWithinTheStatedOvershoot(int leaseSize)
    {
        // 10 tokens, then 10 per second: over ~2 s of load well above that the bucket's math admits 10 + 10 x elapsed.
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var policy = new System.Text.Json.Nodes.JsonObject
        {
            ["Algorithm"] = "TokenBucket",
            ["Scope"] = "Global",
            ["PartitionBy"] = "Global",
            ["TokenLimit"] = 10,
            ["TokensPerPeriod"] = 1,
            ["ReplenishmentPeriod"] = "00:00:00.100",
            ["LeaseSize"] = leaseSize,
        };
        var held = leaseSize + (leaseSize / 4);
        var config = RedisTestConfig.WithRedis(RateLimitTestConfig.WithPolicy(backends.Instances, policy, $"refilling-{leaseSize}"), redis.Configuration, "00:00:00.200");
        await using var one = await GatewayTestHost.StartAsync(config);
        await using var two = await GatewayTestHost.StartAsync(config);
        using var fallbacksOne = Collect(one, "gateway.ratelimit.redis.fallbacks");
        using var fallbacksTwo = Collect(two, "gateway.ratelimit.redis.fallbacks");
        await RedisTestConfig.WaitForLiveInstancesAsync(one, 2);
        await RedisTestConfig.WaitForLiveInstancesAsync(two, 2);
        await SendAsync(one, "warm-up");
        await SendAsync(two, "warm-up");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var admitted = 0;
        var sent = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            var statuses = await Task.WhenAll(SendAsync(one, "x"), SendAsync(two, "x"), SendAsync(one, "x"), SendAsync(two, "x"));
            admitted += statuses.Count(s => s == HttpStatusCode.OK);
            sent += statuses.Length;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var math = 10 + (10 * elapsed);
        Assert.True(sent > math, $"load too light to test the limit: {sent} sent, math allows {math:0}");
        var fallbacks = fallbacksOne.GetMeasurementSnapshot().Count + fallbacksTwo.GetMeasurementSnapshot().Count;
        // Stated bound: the bucket's math plus live instances x 1.25 x LeaseSize, plus any decision taken locally.
        Assert.True(admitted <= math + (2 * held) + fallbacks, $"admitted {admitted}, math {math:0} + {2 * held}, {fallbacks} fallbacks");
        Assert.True(admitted >= 10, $"admitted {admitted}");
    }

    [Fact]
    public async Task DeadRedisAtStart_GatewayStartsAndLimitsLocally()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = RedisTestConfig.WithRedis(
            RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(3, scope: "Global")),
            $"127.0.0.1:{FreePort.Next()},connectTimeout=500");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var gateway = await GatewayTestHost.StartAsync(config);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"start-up took {clock.Elapsed}");
        using var fallbacks = Collect(gateway, "gateway.ratelimit.redis.fallbacks");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await SendAsync(gateway, "k"));
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(5, fallbacks.GetMeasurementSnapshot().Count);
        var (status, description) = await RedisTestConfig.RedisCheckAsync(gateway);
        Assert.Equal("Degraded", status);
        Assert.Contains("share", description, StringComparison.Ordinal);
    }
}
