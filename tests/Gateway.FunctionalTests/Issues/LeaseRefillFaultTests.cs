using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.RateLimiting;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 14: a lease refill that threw an exception its catch did not list (here an
/// <see cref="ObjectDisposedException"/>, from a metrics listener that outlived its exporter) left the partition's
/// refill task never completing, so every later request of that partition waited the whole Redis timeout.
/// </summary>
public sealed class LeaseRefillFaultTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Acquire_RefillThrewUnlistedException_PartitionNotStuckOnIt()
    {
        // A 1 s bound (the largest allowed) makes a request stuck on the dead refill unmistakable.
        await using var harness = await RedisPolicyHarness.ConnectAsync(redis.Configuration, TimeSpan.FromSeconds(1));
        using var policy = harness.Policy("faulty", new RateLimitPolicyOptions { TokenLimit = 1000, TokensPerPeriod = 1000, LeaseSize = 1 });
        var fault = true;
        var leasesAnswered = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, harness.MeterFactory) && instrument.Name == "gateway.ratelimit.redis.round_trips")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "operation" && (string?)tag.Value == "lease")
                {
                    Interlocked.Increment(ref leasesAnswered);
                    ObjectDisposedException.ThrowIf(Volatile.Read(ref fault), listener);
                }
            }
        });
        listener.Start();

        // Answered by Redis, then the fault: decided locally after at most the bound, whatever the fix.
        var first = await policy.AcquireAsync("tenant", CancellationToken.None);
        Assert.True(first.Allowed);
        Volatile.Write(ref fault, false);
        var answeredBefore = Volatile.Read(ref leasesAnswered);

        var clock = Stopwatch.StartNew();
        var second = await policy.AcquireAsync("tenant", CancellationToken.None);
        var took = clock.Elapsed;

        Assert.True(second.Allowed);
        // A new lease call went out and came back, rather than the request waiting out the old one.
        Assert.True(Volatile.Read(ref leasesAnswered) > answeredBefore, "no lease call after the fault");
        Assert.True(took < TimeSpan.FromMilliseconds(500), $"the request after the fault took {took.TotalMilliseconds:0} ms");
    }
}
