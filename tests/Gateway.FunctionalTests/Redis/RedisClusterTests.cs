using System.Diagnostics;
using Gateway.FunctionalTests.Fixtures;
using Gateway.RateLimiting;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Redis;

/// <summary>
/// Issue 19, part 2: Global limits on a real 3-primary Redis Cluster (each script touches one key, so one hash slot;
/// the client follows MOVED and ASK), and a primary failed over to its replica while two instances keep deciding.
/// </summary>
public sealed class RedisClusterTests(RedisClusterFixture cluster, ITestOutputHelper output) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Cluster_TwoInstancesPartitionsOnEveryPrimary_EachAdmitsItsLimit()
    {
        const int limit = 20;
        var keyPrefix = $"test:{Guid.NewGuid():N}:";
        await using var one = await RedisPolicyHarness.ConnectAsync(cluster.Configuration, keyPrefix: keyPrefix);
        await using var two = await RedisPolicyHarness.ConnectAsync(cluster.Configuration, keyPrefix: keyPrefix);
        using var fallbacks = new MetricCollector<long>(one.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks");
        var options = new RateLimitPolicyOptions { Algorithm = "FixedWindow", PermitLimit = limit, Window = TimeSpan.FromHours(1) };
        using var first = one.Policy("cluster", options);
        using var second = two.Policy("cluster", options);
        await one.WaitForLiveInstancesAsync(2);
        await two.WaitForLiveInstancesAsync(2);

        for (var partition = 0; partition < 12; partition++)
        {
            var admitted = 0;
            for (var request = 0; request < 3 * limit; request++)
            {
                var decision = await (request % 2 == 0 ? first : second).AcquireAsync($"tenant-{partition}", CancellationToken.None);
                admitted += decision.Allowed ? 1 : 0;
            }

            Assert.Equal(limit, admitted);
        }

        Assert.Empty(fallbacks.GetMeasurementSnapshot());
        var primaries = await PrimariesHoldingAsync(one.Connection.Connection!, keyPrefix + "rl:cluster:*");
        output.WriteLine($"lease keys on {primaries} primaries");
        Assert.Equal(3, primaries);
    }

    [Fact]
    public async Task PrimaryFailover_WhileTwoInstancesDecide_NoErrorsAndTheLimitHolds()
    {
        const int limit = 300;
        var keyPrefix = $"test:{Guid.NewGuid():N}:";
        await using var one = await RedisPolicyHarness.ConnectAsync(cluster.Configuration, TimeSpan.FromMilliseconds(5), keyPrefix);
        await using var two = await RedisPolicyHarness.ConnectAsync(cluster.Configuration, TimeSpan.FromMilliseconds(5), keyPrefix);
        using var fallbacksOne = new MetricCollector<long>(one.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks");
        using var fallbacksTwo = new MetricCollector<long>(two.MeterFactory, "Gateway", "gateway.ratelimit.redis.fallbacks");
        using var tripsOne = new MetricCollector<long>(one.MeterFactory, "Gateway", "gateway.ratelimit.redis.round_trips");
        using var tripsTwo = new MetricCollector<long>(two.MeterFactory, "Gateway", "gateway.ratelimit.redis.round_trips");
        var options = new RateLimitPolicyOptions { Algorithm = "FixedWindow", PermitLimit = limit, Window = TimeSpan.FromHours(1), LeaseSize = 5 };
        using var first = one.Policy("failover", options);
        using var second = two.Policy("failover", options);
        await one.WaitForLiveInstancesAsync(2);
        await two.WaitForLiveInstancesAsync(2);

        // A steady ~200 decisions a second over both instances for about 2.5 s, the failover in the middle.
        var admitted = 0;
        var decided = 0;
        var errors = new List<Exception>();
        var failover = Task.CompletedTask;
        (int OldPrimary, int NewPrimary) ports = default;
        var failedOverAt = TimeSpan.MaxValue;
        var failedOverWhen = DateTimeOffset.MaxValue;
        var clock = Stopwatch.StartNew();
        while ((decided < 200 || !failover.IsCompleted || clock.Elapsed < failedOverAt + TimeSpan.FromSeconds(1)) && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (decided == 100)
            {
                var key = await LeaseKeyAsync(one.Connection.Connection!, keyPrefix + "rl:failover:*");
                failover = Task.Run(async () =>
                {
                    var db = one.Connection.Connection!.GetDatabase();
                    var countBefore = await db.HashGetAsync(key, "c");
                    ports = await cluster.FailOverAsync(key);
                    output.WriteLine($"Redis counted {countBefore} before the failover, {await db.HashGetAsync(key, "c")} after");
                    failedOverAt = clock.Elapsed;
                    failedOverWhen = DateTimeOffset.UtcNow;
                });
            }

            try
            {
                var decisions = await Task.WhenAll(first.AcquireAsync("tenant", CancellationToken.None).AsTask(), second.AcquireAsync("tenant", CancellationToken.None).AsTask());
                admitted += decisions.Count(d => d.Allowed);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }

            decided += 2;
            await Task.Delay(10);
        }

        await failover;
        var fallbacks = fallbacksOne.GetMeasurementSnapshot().Count + fallbacksTwo.GetMeasurementSnapshot().Count;
        output.WriteLine(string.Join(", ", tripsOne.GetMeasurementSnapshot().GroupBy(m => $"{m.Tags["operation"]}/{m.Tags["outcome"]}").Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine(string.Join(", ", fallbacksOne.GetMeasurementSnapshot().Concat(fallbacksTwo.GetMeasurementSnapshot()).GroupBy(m => $"{m.Tags["reason"]}").Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine($"primary {ports.OldPrimary} -> {ports.NewPrimary} at {failedOverAt.TotalMilliseconds:0} ms; {decided} decided, {admitted} admitted, {fallbacks} taken locally, {errors.Count} errors");

        Assert.Empty(errors);
        Assert.NotEqual(TimeSpan.MaxValue, failedOverAt);

        // Recovered: once the circuit around Redis closes again, the new primary decides (no more local decisions). The
        // window ends at its limit plus at most what was decided locally meanwhile: Redis replication is asynchronous,
        // and even CLUSTER FAILOVER on a busy machine was seen to lose the last writes (a count of 111 read back as 77),
        // which a limiter can only make up for by what it charged.
        // A lease call held by the failover may run out its 2 s before it counts as failed; the breaker may be open.
        var settle = TimeSpan.FromSeconds(2.5) - (clock.Elapsed - failedOverAt);
        if (settle > TimeSpan.Zero)
        {
            await Task.Delay(settle);
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(one.Connection.IsAvailable && two.Connection.IsAvailable) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // One more round for each instance's lease call still out from the failover to land.
        for (var i = 0; i < 5; i++)
        {
            var decisions = await Task.WhenAll(first.AcquireAsync("tenant", CancellationToken.None).AsTask(), second.AcquireAsync("tenant", CancellationToken.None).AsTask());
            admitted += decisions.Count(d => d.Allowed);
            await Task.Delay(20);
        }

        var leaseKey = await LeaseKeyAsync(one.Connection.Connection!, keyPrefix + "rl:failover:*");
        output.WriteLine($"Redis counted {await one.Connection.Connection!.GetDatabase().HashGetAsync(leaseKey, "c")} when {admitted} were admitted");
        var (beforeOne, beforeTwo) = (fallbacksOne.GetMeasurementSnapshot().Count, fallbacksTwo.GetMeasurementSnapshot().Count);
        var localBefore = beforeOne + beforeTwo;
        for (var i = 0; i < 100; i++)
        {
            var decisions = await Task.WhenAll(first.AcquireAsync("tenant", CancellationToken.None).AsTask(), second.AcquireAsync("tenant", CancellationToken.None).AsTask());
            admitted += decisions.Count(d => d.Allowed);
        }

        var after = fallbacksOne.GetMeasurementSnapshot().Skip(beforeOne).Concat(fallbacksTwo.GetMeasurementSnapshot().Skip(beforeTwo)).ToList();
        var localAfter = localBefore + after.Count;
        var answeredAfter = tripsOne.GetMeasurementSnapshot().Concat(tripsTwo.GetMeasurementSnapshot())
            .Count(m => (string?)m.Tags["operation"] == "lease" && (string?)m.Tags["outcome"] == "ok" && m.Timestamp > failedOverWhen);
        var afterReasons = string.Join(", ", after.GroupBy(m => (string?)m.Tags["reason"]).Select(g => $"{g.Key} {g.Count()}"));
        output.WriteLine($"after recovery: {admitted} admitted in all, {after.Count} more local decisions ({afterReasons}), {answeredAfter} lease calls answered since the failover");
        // Redis decides again: no decision is local because the circuit is open or the connection lost. A call that
        // misses the 5 ms bound is still decided locally (3 of 200 were, once, on a machine at load average 6): a few
        // of those are the machine, not the failover.
        Assert.All(after, m => Assert.Equal("timeout", (string?)m.Tags["reason"]));
        Assert.True(after.Count <= 10, $"{after.Count} of 200 decisions after the recovery were local ({afterReasons})");
        Assert.True(answeredAfter > 0, "no lease call answered after the failover");
        Assert.InRange(admitted, limit - 10, limit + localAfter);
    }

    private static async Task<RedisKey> LeaseKeyAsync(ConnectionMultiplexer connection, string pattern)
    {
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (server.IsConnected && !server.IsReplica)
            {
                await foreach (var key in server.KeysAsync(pattern: pattern))
                {
                    return key;
                }
            }
        }

        throw new InvalidOperationException($"No key matches {pattern}.");
    }

    private static async Task<int> PrimariesHoldingAsync(ConnectionMultiplexer connection, string pattern)
    {
        var primaries = 0;
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (server.IsConnected && !server.IsReplica)
            {
                await foreach (var _ in server.KeysAsync(pattern: pattern))
                {
                    primaries++;
                    break;
                }
            }
        }

        return primaries;
    }
}
