using Gateway.Health;

namespace Gateway.UnitTests.Health;

public sealed class PanicModeTests
{
    [Theory]
    [InlineData(1, 4, 0.5, true)]
    [InlineData(2, 4, 0.5, false)]
    [InlineData(0, 4, 0.5, true)]
    [InlineData(0, 0, 0.5, false)]
    [InlineData(0, 4, 0.0, false)]
    public void Applies_HealthyShareUnderTheThreshold(int healthy, int total, double threshold, bool expected) =>
        Assert.Equal(expected, PanicMode.Applies(healthy, total, threshold));

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.01, true)]
    public void CoversNoneHealthy_AnyThresholdAboveZero(double threshold, bool expected) =>
        Assert.Equal(expected, PanicMode.CoversNoneHealthy(threshold));
}
