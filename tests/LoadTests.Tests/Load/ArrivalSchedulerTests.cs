using System.Collections.Concurrent;
using LoadTests.Load;
using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Load;

public sealed class ArrivalSchedulerTests
{
    [Fact]
    public async Task RunAsync_OpenModelAtRateOverSeconds_StartsRateTimesSecondsOnSchedule()
    {
        const int Rate = 50;
        var time = new FakeTimeProvider();
        var origin = time.GetTimestamp();
        var started = new ConcurrentQueue<(Arrival Arrival, long Scheduled, long StartedAt)>();
        var step = TimeSpan.FromMilliseconds(10);

        var run = new ArrivalScheduler(time).RunAsync(
            [LoadPhase.Constant(Rate, TimeSpan.FromSeconds(4))], origin, (a, s) => started.Enqueue((a, s, time.GetTimestamp())), long.MaxValue, default);
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(4); elapsed += step)
        {
            // Starts are due at 0, 20 ms, 40 ms, ...: by time t exactly floor(t x R) + 1 have started, none early.
            var expected = (int)Math.Floor(elapsed.TotalSeconds * Rate + 1e-9) + 1;
            await FakeTimeWait(() => started.Count >= expected);
            Assert.Equal(expected, started.Count);
            time.Advance(step);
        }

        var count = await run.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(Rate * 4, count);
        Assert.Equal(Rate * 4, started.Count);
        var all = started.ToArray();
        for (var i = 0; i < all.Length; i++)
        {
            var due = TimeSpan.FromTicks(i * TimeSpan.TicksPerSecond / Rate);
            Assert.Equal(i, all[i].Arrival.Index);
            Assert.Equal(due, all[i].Arrival.Offset);
            Assert.Equal(origin + due.Ticks, all[i].Scheduled);
            Assert.InRange(all[i].StartedAt - all[i].Scheduled, 0, step.Ticks);
        }
    }

    [Fact]
    public async Task RunAsync_MaxArrivals_StopsThere()
    {
        var time = new FakeTimeProvider();
        var count = 0;

        var run = new ArrivalScheduler(time).RunAsync([LoadPhase.Constant(1000, TimeSpan.FromSeconds(10))], time.GetTimestamp(), (_, _) => count++, 7, default);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(7, await run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(7, count);
    }

    [Fact]
    public void Enumerate_RampFromZero_CountIsTheIntegralOfTheRate()
    {
        var arrivals = ArrivalPlan.Enumerate([LoadPhase.Ramp(0, 100, TimeSpan.FromSeconds(10))]).ToList();

        Assert.Equal(500, arrivals.Count);
        Assert.All(arrivals.Zip(arrivals.Skip(1)), pair => Assert.True(pair.First.Offset <= pair.Second.Offset));
        Assert.All(arrivals, a => Assert.InRange(a.Offset, TimeSpan.Zero, TimeSpan.FromSeconds(10)));
        // The rate climbs linearly: the first half holds a quarter of the arrivals (125), the second the rest.
        Assert.InRange(arrivals.Count(a => a.Offset < TimeSpan.FromSeconds(5)), 124, 126);
    }

    [Fact]
    public void Enumerate_PauseBetweenPhases_StartsNothingDuringIt()
    {
        var arrivals = ArrivalPlan.Enumerate(
            [LoadPhase.Constant(10, TimeSpan.FromSeconds(1)), LoadPhase.Pause(TimeSpan.FromSeconds(2)), LoadPhase.Spike(100, TimeSpan.FromSeconds(1))]).ToList();

        Assert.Equal(110, arrivals.Count);
        Assert.DoesNotContain(arrivals, a => a.Offset >= TimeSpan.FromSeconds(1) && a.Offset < TimeSpan.FromSeconds(3));
        Assert.Equal(100, arrivals.Count(a => a.Phase == 2));
        Assert.Equal(TimeSpan.FromSeconds(4), ArrivalPlan.TotalDuration([LoadPhase.Constant(10, TimeSpan.FromSeconds(1)), LoadPhase.Pause(TimeSpan.FromSeconds(3))]));
    }

    private static Task FakeTimeWait(Func<bool> condition) => Fixtures.FakeTime.UntilAsync(condition);
}
