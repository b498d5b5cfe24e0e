using Gateway.FunctionalTests.Fixtures;
using Gateway.Shedding;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>Issue 19, part 3: two instances' refusals and completions add up in Redis, and each paces on the sum.</summary>
public sealed class FleetPacingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task TwoInstances_UnevenStorm_EachSeesTheFleetsCounts()
    {
        var keyPrefix = $"test:{Guid.NewGuid():N}:";
        await using var one = await RedisPolicyHarness.ConnectAsync(redis.Configuration, keyPrefix: keyPrefix);
        await using var two = await RedisPolicyHarness.ConnectAsync(redis.Configuration, keyPrefix: keyPrefix);
        using var fleetOne = new FleetPacing(one.Connection, TimeProvider.System);
        using var fleetTwo = new FleetPacing(two.Connection, TimeProvider.System);
        var countsOne = fleetOne.For("api")!;
        var countsTwo = fleetTwo.For("api")!;
        var options = new SheddingOptions();
        var pacerOne = new AdmissionPacer(options, TimeProvider.System, countsOne);
        var pacerTwo = new AdmissionPacer(options, TimeProvider.System, countsTwo);

        // The balancer sent most of the storm to the second instance; both share the backend's 30 completions a second.
        var now = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < 15; i++)
        {
            pacerOne.Completed(now);
            pacerTwo.Completed(now);
        }

        for (var i = 0; i < 30; i++)
        {
            pacerOne.Rejected(now);
        }

        for (var i = 0; i < 270; i++)
        {
            pacerTwo.Rejected(now);
        }

        Assert.True(await fleetOne.FlushAsync(countsOne));
        Assert.True(await fleetTwo.FlushAsync(countsTwo));
        pacerOne.Rejected(TimeProvider.System.GetTimestamp());
        Assert.True(await fleetOne.FlushAsync(countsOne));

        now = TimeProvider.System.GetTimestamp();
        Assert.True(countsOne.TryGet(now, out var rejections, out var throughput));
        Assert.Equal(301, rejections);
        // Within one second of Redis's clock: 30; split over two: at least the larger part, 15.
        Assert.InRange(throughput, 15, 30);
        // Alone the first instance would send its clients back within 2 s (31 refusals over 15 completions a second);
        // sized to the fleet, over the 10 s or more the backend needs for all 301.
        Assert.InRange(pacerOne.WindowSeconds(now), 10, 21);
        // The second instance's view is one flush older (300 refusals, not 301): the same window to within a second.
        Assert.True(countsTwo.TryGet(now, out _, out _));
        Assert.InRange(pacerTwo.WindowSeconds(now), pacerOne.WindowSeconds(now) - 1, pacerOne.WindowSeconds(now));
    }

    [Fact]
    public async Task RedisGone_FlushFails_PacingIsLocalAgainAfterASecond()
    {
        var keyPrefix = $"test:{Guid.NewGuid():N}:";
        await using var one = await RedisPolicyHarness.ConnectAsync(redis.Configuration, keyPrefix: keyPrefix);
        using var fleet = new FleetPacing(one.Connection, TimeProvider.System);
        var counts = fleet.For("api")!;
        var pacer = new AdmissionPacer(new SheddingOptions(), TimeProvider.System, counts);
        // The first round trip on a new connection may miss its 250 ms bound on a loaded machine (it did at load average
        // 3.5 on 2 cores); what is tested is the fallback once Redis is gone, so give it a few tries.
        var flushed = false;
        for (var i = 0; i < 5 && !flushed; i++)
        {
            pacer.Completed(TimeProvider.System.GetTimestamp());
            flushed = await fleet.FlushAsync(counts);
        }

        Assert.True(flushed);

        await redis.StopAsync();
        try
        {
            pacer.Rejected(TimeProvider.System.GetTimestamp());
            Assert.False(await fleet.FlushAsync(counts));
            await Task.Delay(1100);
            Assert.False(counts.TryGet(TimeProvider.System.GetTimestamp(), out _, out _));
            Assert.Equal(1, pacer.WindowSeconds(TimeProvider.System.GetTimestamp()));
        }
        finally
        {
            await redis.StartAsync();
        }
    }
}
