using Gateway.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Identity;

public sealed class VerificationBudgetTests
{
    [Fact]
    public void TryTake_ABurstOfTheBudget_ThenOneEachIntervalPerClient()
    {
        var time = new FakeTimeProvider();
        var budget = new VerificationBudget(time);

        Assert.True(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.False(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(8, 3, out _));

        // One more a third of a second later, not three.
        time.Advance(TimeSpan.FromSeconds(1.0 / 3) + TimeSpan.FromMilliseconds(1));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.False(budget.TryTake(7, 3, out _));

        // A quiet second refills the burst.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(7, 3, out _));
    }

    [Fact]
    public void TryTake_AFloodEvery10Ms_GetsTheBudgetPerSecondSpreadOut()
    {
        var time = new FakeTimeProvider();
        var budget = new VerificationBudget(time);
        var allowed = new List<TimeSpan>();

        for (var t = TimeSpan.Zero; t < TimeSpan.FromSeconds(3); t += TimeSpan.FromMilliseconds(10))
        {
            if (budget.TryTake(7, 10, out _))
            {
                allowed.Add(t);
            }

            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // The burst of 10, then one every 100 ms (29 more in the 2.9 s after the first tenth): never a second burst.
        Assert.InRange(allowed.Count, 38, 40);
        var afterBurst = allowed.Skip(10).ToList();
        Assert.All(afterBurst.Zip(afterBurst.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(90), $"{pair.First} then {pair.Second}"));
    }

    [Fact]
    public void Refund_ASucceededCheck_GivesItsShareBack()
    {
        var time = new FakeTimeProvider();
        var budget = new VerificationBudget(time);

        // A valid client's checks never use up its budget, however many it needs at once.
        for (var i = 0; i < 10; i++)
        {
            Assert.True(budget.TryTake(7, 2, out var charged));
            budget.Refund(7, charged);
        }

        Assert.True(budget.TryTake(7, 2, out _));
        Assert.True(budget.TryTake(7, 2, out _));
        Assert.False(budget.TryTake(7, 2, out _));
    }
}
