using Gateway.RateLimiting;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 5: a Global policy's Redis key held neither its algorithm nor its parameters, so an edited policy
/// read the state of the old layout: another algorithm made the Lua script fail on the old fields (each failure a
/// fallback and a strike against the shared Redis breaker), a longer segment made old segments look like future
/// ones that are never pruned.
/// </summary>
public sealed class GlobalPolicyEditReusesRedisStateTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Edit_TokenBucketToSlidingWindow_DecidedByRedisNotFallback()
    {
        await using var harness = await RedisPolicyHarness.ConnectAsync(redis.Configuration);
        using var fallbacks = new MetricCollector<long>(harness.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks");
        using (var before = harness.Policy("edited", new RateLimitPolicyOptions { Algorithm = "TokenBucket", TokenLimit = 10, LeaseSize = 1 }))
        {
            Assert.True((await before.AcquireAsync("tenant", CancellationToken.None)).Allowed);
        }

        Assert.Empty(fallbacks.GetMeasurementSnapshot());
        using var after = harness.Policy("edited", new RateLimitPolicyOptions
        {
            Algorithm = "SlidingWindow", PermitLimit = 10, Window = TimeSpan.FromMinutes(1), SegmentsPerWindow = 2, LeaseSize = 1,
        });

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await after.AcquireAsync("tenant", CancellationToken.None)).Allowed);
        }

        Assert.Empty(fallbacks.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Edit_LongerSegments_OldSegmentsDoNotBlockThePartition()
    {
        await using var harness = await RedisPolicyHarness.ConnectAsync(redis.Configuration);
        using var fallbacks = new MetricCollector<long>(harness.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks");
        var window = new RateLimitPolicyOptions
        {
            Algorithm = "SlidingWindow", PermitLimit = 5, Window = TimeSpan.FromSeconds(10), SegmentsPerWindow = 10, LeaseSize = 1,
        };
        using (var before = harness.Policy("segments", window))
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.True((await before.AcquireAsync("tenant", CancellationToken.None)).Allowed);
            }

            Assert.False((await before.AcquireAsync("tenant", CancellationToken.None)).Allowed);
        }

        // Segments of 1 s become segments of 100 s: a fresh limit, not 5 permits counted forever.
        using var after = harness.Policy("segments", window with { Window = TimeSpan.FromSeconds(1000) });

        Assert.True((await after.AcquireAsync("tenant", CancellationToken.None)).Allowed);
        Assert.Empty(fallbacks.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task SamePolicy_RebuiltUnchanged_KeepsItsRedisState()
    {
        await using var harness = await RedisPolicyHarness.ConnectAsync(redis.Configuration);
        var options = new RateLimitPolicyOptions { Algorithm = "TokenBucket", TokenLimit = 2, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1), LeaseSize = 1 };
        using (var first = harness.Policy("kept", options))
        {
            Assert.True((await first.AcquireAsync("tenant", CancellationToken.None)).Allowed);
            Assert.True((await first.AcquireAsync("tenant", CancellationToken.None)).Allowed);
        }

        using var second = harness.Policy("kept", options with { LeaseSize = 2 });

        Assert.False((await second.AcquireAsync("tenant", CancellationToken.None)).Allowed);
    }
}
