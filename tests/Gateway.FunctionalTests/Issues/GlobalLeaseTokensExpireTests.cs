using Gateway.RateLimiting;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 10: a Global token bucket's unspent lease tokens were dropped after 1 s, so a slow quota spread over
/// several instances was heavily under-admitted (100/h per key over 10 round-robin instances admitted about 20/h):
/// each instance leased a few tokens, spent one, and lost the rest before its next request.
/// </summary>
public sealed class GlobalLeaseTokensExpireTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task SlowBucket_FourInstancesRoundRobin_AdmitsTheWholeBucket()
    {
        const int instances = 4;
        const int limit = 20;
        var keyPrefix = $"test:{Guid.NewGuid():N}:";
        var harnesses = new List<RedisPolicyHarness>();
        var policies = new List<GlobalRateLimitPolicy>();
        var collectors = new List<MetricCollector<long>>();
        // Lease lifetimes are measured on the policy's clock: fake time stands for a quota's slow hours.
        var time = new FakeTimeProvider();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                var harness = await RedisPolicyHarness.ConnectAsync(redis.Configuration, keyPrefix: keyPrefix);
                harnesses.Add(harness);
                collectors.Add(new MetricCollector<long>(harness.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks"));
                var options = RateLimitingTableSource.Normalize(new RateLimitPolicyOptions
                {
                    Algorithm = "TokenBucket", Scope = "Global", TokenLimit = limit, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1), LeaseSize = 5,
                });
                policies.Add(new GlobalRateLimitPolicy("slow", options, harness.Connection, harness.Metrics, time));
            }

            await harnesses[0].WaitForLiveInstancesAsync(instances);

            // One request every 2 s, each to the next instance: each instance sees one every 8 s.
            var admitted = 0;
            for (var request = 0; request < 2 * limit; request++)
            {
                var decision = await policies[request % instances].AcquireAsync("tenant", CancellationToken.None);
                admitted += decision.Allowed ? 1 : 0;
                time.Advance(TimeSpan.FromSeconds(2));
            }

            Assert.All(collectors, c => Assert.Empty(c.GetMeasurementSnapshot()));
            // No refill during the test (1 token an hour, on Redis's clock): the bucket's math admits exactly the limit.
            Assert.Equal(limit, admitted);
        }
        finally
        {
            foreach (var policy in policies)
            {
                policy.Dispose();
            }

            foreach (var collector in collectors)
            {
                collector.Dispose();
            }

            foreach (var harness in harnesses)
            {
                await harness.DisposeAsync();
            }
        }
    }
}
