using Gateway.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Identity;

public sealed class VerificationBudgetTests
{
    [Fact]
    public void IsSpent_AfterMaxFailuresInOneSecond_UntilTheNextSecond()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_000));
        var budget = new VerificationBudget(time);

        budget.Failed(7);
        budget.Failed(7);
        Assert.False(budget.IsSpent(7, 3));
        budget.Failed(7);
        Assert.True(budget.IsSpent(7, 3));
        Assert.False(budget.IsSpent(8, 3));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(budget.IsSpent(7, 3));
    }
}
