using System.Diagnostics;
using Gateway.RateLimiting;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 3: rate-limit partitions grew without a bound. A client rotating random <c>X-Api-Key</c> values
/// made a partition per value (the raw value as its key, up to the header limit), Concurrency partitions were never
/// dropped, and a Global policy turned each new value into a Redis round trip and a Redis key. Serial: the memory
/// bound is read from the whole process.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class RateLimitPartitionGrowthTests : IClassFixture<RedisServerFixture>
{
    private const int Keys = 1_000_000;
    private const int DefaultMaxPartitions = 100_000;

    // Stated bound: a partition (its token bucket, its table entry, its key) costs about 420 bytes (measured), so the
    // default cap of 100,000 holds a policy near 40 MB however many keys it meets; 64 MB leaves room for GC noise.
    private const long MaxGrowthBytes = 64L * 1024 * 1024;

    private readonly RedisServerFixture _redis;

    public RateLimitPartitionGrowthTests(RedisServerFixture redis) => _redis = redis;

    /// <summary>
    /// Bytes of live objects: GC.GetTotalMemory after a compacting collection, since a full collection that does not
    /// compact also counts the holes a million short-lived partitions leave in gen 2.
    /// </summary>
    private static long ManagedBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static RateLimitPolicyOptions SlowBucket(string scope = "Local") => new()
    {
        Algorithm = "TokenBucket", TokenLimit = 10, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1), PartitionBy = "ApiKey", Scope = scope,
    };

    [Fact]
    public async Task LocalPolicy_MillionDistinctKeys_PartitionsCappedAndMemoryBounded()
    {
        using var policy = new LocalRateLimitPolicy("spray", SlowBucket(), TimeProvider.System);
        var before = ManagedBytes();
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Keys; i++)
        {
            var decision = await policy.AcquireAsync("key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
            Assert.True(decision.Allowed);
        }

        var growth = ManagedBytes() - before;
        Assert.InRange(policy.Limiter.PartitionCount, 1, DefaultMaxPartitions);
        Assert.True(growth < MaxGrowthBytes, $"managed memory grew {growth / (1024 * 1024)} MB over {Keys:N0} keys in {clock.Elapsed.TotalSeconds:0.0} s");
        // The most recent keys are the ones kept: the last key's bucket still holds its spent token (10 - 2 left).
        Assert.Equal(8, (await policy.AcquireAsync("key-" + (Keys - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None)).Remaining);
        GC.KeepAlive(policy);
    }

    [Fact]
    public async Task ConcurrencyPolicy_IdlePartitions_AreDropped()
    {
        var time = new FakeTimeProvider();
        using var policy = new LocalRateLimitPolicy("in-flight", new RateLimitPolicyOptions { Algorithm = "Concurrency", PermitLimit = 2, PartitionBy = "ApiKey" }, time);
        for (var i = 0; i < 1000; i++)
        {
            var decision = await policy.AcquireAsync("key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
            decision.Lease!.Dispose();
        }

        Assert.Equal(1000, policy.Limiter.PartitionCount);
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(0, policy.Limiter.PartitionCount);
    }

    [Fact]
    public void PartitionKey_HugeHeaderValue_KeyIsBounded()
    {
        var route = new RouteModel(new RouteConfig { RouteId = "r" }, cluster: null, HttpTransformer.Empty);
        string Resolve(string apiKey)
        {
            var context = new DefaultHttpContext();
            context.Request.Headers["X-Api-Key"] = apiKey;
            return PartitionKey.Parse("ApiKey")!.Resolve(context, Gateway.ClientIdentity.ClientIpResolver.None, route);
        }

        var huge = new string('a', 30_000);
        var other = huge[..^1] + "b";

        Assert.InRange(Resolve(huge).Length, 1, 128);
        Assert.Equal(Resolve(huge), Resolve(huge));
        Assert.NotEqual(Resolve(huge), Resolve(other));
        Assert.Equal("short-key", Resolve("short-key"));
    }

    [Fact]
    public async Task GlobalPolicy_KeySpray_BoundsNewRedisKeysAndLeavesOtherPoliciesOnRedis()
    {
        await using var harness = await RedisPolicyHarness.ConnectAsync(_redis.Configuration);
        using var sprayed = harness.Policy("sprayed", SlowBucket("Global"));
        using var neighbour = harness.Policy("neighbour", SlowBucket("Global"));
        using var trips = new MetricCollector<long>(harness.MeterFactory, "Gateway", "gateway.ratelimit.redis.round_trips");
        var before = ManagedBytes();
        var clock = Stopwatch.StartNew();

        // 32 clients at once, each a stream of new keys, for 3 s or a million keys. A decision taken locally completes
        // synchronously, so each client yields after it as a request's connection would: 32 loops that never yield
        // would hold the thread pool for the whole 3 s on 2 cores, and Redis's answers, waiting behind them, would
        // look like timeouts that open the breaker (2 runs in 5 failed that way, the breaker opened by the test's
        // own starvation rather than by the spray).
        var next = -1;
        async Task SprayAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Keys && clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                await sprayed.AcquireAsync("key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
                await Task.Yield();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(SprayAsync)));
        var elapsed = clock.Elapsed;
        var growth = ManagedBytes() - before;

        var server = harness.Connection.Connection!.GetServer(harness.Connection.Connection.GetEndPoints()[0]);
        var redisKeys = 0;
        await foreach (var _ in server.KeysAsync(pattern: harness.Connection.Options.KeyPrefix + "rl:sprayed:*", pageSize: 1000))
        {
            redisKeys++;
        }

        // Stated bound: 1,000 new keys a second per policy per instance (a burst of 1,000, then 100 every 100 ms).
        Assert.True(redisKeys <= 1000 + (1000 * elapsed.TotalSeconds), $"{redisKeys} Redis keys in {elapsed.TotalSeconds:0.0} s from {Math.Min(next, Keys):N0} keys");
        Assert.True(growth < MaxGrowthBytes, $"managed memory grew {growth / (1024 * 1024)} MB");
        Assert.InRange(sprayed.PartitionCount, 1, DefaultMaxPartitions);
        // Collected only now: a collector would keep every one of the spray's fallbacks in memory.
        using var fallbacks = new MetricCollector<long>(harness.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks");
        Assert.True((await neighbour.AcquireAsync("tenant", CancellationToken.None)).Allowed);
        var diag = string.Join(", ", trips.GetMeasurementSnapshot().GroupBy(m => $"{m.Tags["operation"]}/{m.Tags["outcome"]}").Select(g => $"{g.Key}={g.Count()}"));
        Assert.True(fallbacks.GetMeasurementSnapshot().Count == 0, diag);
        Assert.Equal(Gateway.Redis.RedisState.Connected, harness.Connection.State);
    }

    [Fact]
    public async Task LocalPolicy_FullTable_DropsLeastRecentlyUsedNotTheClientInUse()
    {
        var time = new FakeTimeProvider();
        using var policy = new LocalRateLimitPolicy("small", SlowBucket() with { MaxPartitions = 100 }, time);
        Assert.Equal(9, (await policy.AcquireAsync("regular", CancellationToken.None)).Remaining);

        for (var i = 0; i < 1000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            await policy.AcquireAsync("key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
            if (i % 50 == 0)
            {
                await policy.AcquireAsync("regular", CancellationToken.None);
            }
        }

        Assert.InRange(policy.Limiter.PartitionCount, 1, 100);
        // 1 + 20 requests spent 10 tokens: the regular client's bucket was kept, not handed back full.
        Assert.False((await policy.AcquireAsync("regular", CancellationToken.None)).Allowed);
    }

    [Fact]
    public void MaxPartitions_DefaultAndBounds_AreValid()
    {
        Assert.Equal(DefaultMaxPartitions, new RateLimitPolicyOptions().MaxPartitions);
        foreach (var bound in new[] { 100, 10_000_000 })
        {
            Assert.Empty(Gateway.Configuration.Validators.GatewayOptionsValidator.Validate(WithPolicy(SlowBucket() with { MaxPartitions = bound })));
        }
    }

    [Theory]
    [InlineData(99)]
    [InlineData(10_000_001)]
    public void MaxPartitions_OutOfRange_NamesTheRange(int value)
    {
        var error = Assert.Single(Gateway.Configuration.Validators.GatewayOptionsValidator.Validate(WithPolicy(SlowBucket() with { MaxPartitions = value })));

        Assert.Equal("Gateway:RateLimiting:Policies:p:MaxPartitions", error.Path);
        Assert.Equal($"must be between 100 and 10000000 (was {value}).", error.Reason);
    }

    private static Gateway.Configuration.GatewayOptions WithPolicy(RateLimitPolicyOptions policy) => new()
    {
        RateLimiting = new RateLimitingOptions { Policies = new Dictionary<string, RateLimitPolicyOptions> { ["p"] = policy } },
    };
}
