using Gateway.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Identity;

public sealed class VerificationBudgetTests
{
    [Fact]
    public void TryTake_MaxChargedInOneSecond_RefusedUntilTheNextSecond()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000));
        var budget = new VerificationBudget(time);

        Assert.True(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(7, 3, out _));
        Assert.False(budget.TryTake(7, 3, out _));
        Assert.True(budget.TryTake(8, 3, out _));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.TryTake(7, 3, out _));
    }

    [Fact]
    public void Refund_ASucceededVerification_GivesItsShareBack()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000));
        var budget = new VerificationBudget(time);

        // A valid client's checks never use up its budget, however many it needs in a second.
        for (var i = 0; i < 10; i++)
        {
            Assert.True(budget.TryTake(7, 2, out var second));
            budget.Refund(7, second);
        }

        Assert.True(budget.TryTake(7, 2, out _));
        Assert.True(budget.TryTake(7, 2, out _));
        Assert.False(budget.TryTake(7, 2, out _));
    }

    [Fact]
    public void Refund_AfterItsSecondEnded_LeavesTheNewSecondsCountAlone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000));
        var budget = new VerificationBudget(time);
        Assert.True(budget.TryTake(7, 1, out var old));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.TryTake(7, 1, out _));
        budget.Refund(7, old);

        Assert.False(budget.TryTake(7, 1, out _));
    }
}
