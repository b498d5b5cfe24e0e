using Gateway.Limits;

namespace Gateway.UnitTests.Limits;

public sealed class InlineSocketCompletionsTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("false", false)]
    [InlineData("maybe", false)]
    public void Wanted_OnUnlessConfiguredOff(string? configured, bool expected) =>
        Assert.Equal(expected, InlineSocketCompletions.Wanted(configured));
}
