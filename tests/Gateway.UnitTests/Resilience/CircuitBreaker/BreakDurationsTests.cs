using Gateway.Resilience;

namespace Gateway.UnitTests.Resilience;

public sealed class BreakDurationsTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(4, 60)]
    [InlineData(100, 60)]
    public void Next_DoublesPerFailedProbe_UpToTheMax(int failedProbes, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), BreakDurations.Next(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), failedProbes));
}
