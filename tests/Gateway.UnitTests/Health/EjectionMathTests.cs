using Gateway.Health;

namespace Gateway.UnitTests.Health;

public sealed class EjectionMathTests
{
    private static readonly OutlierDetectionOptions s_options = new()
    {
        BaseEjectionTime = TimeSpan.FromSeconds(30),
        EjectionTimeMultiplier = 2,
        MaxEjectionTime = TimeSpan.FromSeconds(300),
    };

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(4, 240)]
    [InlineData(5, 300)]
    [InlineData(40, 300)]
    public void EjectionTime_RepeatedEjections_GrowByTheMultiplierUpToTheMaximum(int ejection, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), EjectionMath.EjectionTime(s_options, ejection));

    [Fact]
    public void EjectionTime_MultiplierOne_StaysAtTheBase() =>
        Assert.Equal(TimeSpan.FromSeconds(30), EjectionMath.EjectionTime(s_options with { EjectionTimeMultiplier = 1 }, 7));

    [Theory]
    [InlineData(0, 3, 50, true)]
    [InlineData(1, 3, 50, false)]
    [InlineData(1, 4, 50, true)]
    [InlineData(2, 4, 50, false)]
    [InlineData(0, 1, 50, false)]
    [InlineData(0, 1, 100, true)]
    [InlineData(0, 5, 0, false)]
    public void MayEject_EjectedShare_NeverExceedsTheCap(int ejected, int total, int percent, bool expected) =>
        Assert.Equal(expected, EjectionMath.MayEject(ejected, total, percent));

    [Fact]
    public void ShouldForgetEjections_HealthyForAWholeMaximumEjectionTime_StartsOver()
    {
        Assert.False(EjectionMath.ShouldForgetEjections(s_options, TimeSpan.FromSeconds(299)));
        Assert.True(EjectionMath.ShouldForgetEjections(s_options, TimeSpan.FromSeconds(300)));
    }
}
