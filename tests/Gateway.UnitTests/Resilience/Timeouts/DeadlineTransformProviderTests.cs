using Gateway.Resilience;

namespace Gateway.UnitTests.Resilience;

public sealed class DeadlineTransformProviderTests
{
    [Theory]
    [InlineData(0, "0")]
    [InlineData(9999, "9999")]
    [InlineData(10000, "10000")]
    [InlineData(999_999_999_999, "999999999999")]
    public void Text_Budget_IsWholeMilliseconds(long milliseconds, string expected) =>
        Assert.Equal(expected, new DeadlineTransformProvider(TimeProvider.System).Text(milliseconds));

    [Fact]
    public void Text_SameBudgetAgain_IsTheCachedString()
    {
        var provider = new DeadlineTransformProvider(TimeProvider.System);

        var first = provider.Text(10000);

        Assert.Same(first, provider.Text(10000));
    }

    [Fact]
    public void Text_BudgetsSharingASlot_EachGetsItsOwnText()
    {
        var provider = new DeadlineTransformProvider(TimeProvider.System);

        // 16 apart: the same slot of the cache, which each replaces in turn.
        Assert.Equal("10000", provider.Text(10000));
        Assert.Equal("10016", provider.Text(10016));
        Assert.Equal("10000", provider.Text(10000));
    }
}
