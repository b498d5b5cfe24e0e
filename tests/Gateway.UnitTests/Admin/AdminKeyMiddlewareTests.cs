using Gateway.Admin;

namespace Gateway.UnitTests.Admin;

public sealed class AdminKeyMiddlewareTests
{
    [Theory]
    [InlineData("correct-horse-battery", true)]
    [InlineData("correct-horse-batterY", false)]
    [InlineData("correct-horse-battery-staple", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void KeyMatches_OnlyTheExactKey(string? presented, bool expected) =>
        Assert.Equal(expected, AdminKeyMiddleware.KeyMatches(presented, "correct-horse-battery"));
}
