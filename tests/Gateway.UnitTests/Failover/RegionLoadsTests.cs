using Gateway.Failover;

namespace Gateway.UnitTests.Failover;

public sealed class RegionLoadsTests
{
    [Theory]
    [InlineData(1.0, 0.5, 1.0)]
    [InlineData(0.5, 0.5, 1.0)]
    [InlineData(0.25, 0.5, 0.5)]
    [InlineData(0.0, 0.5, 0.0)]
    [InlineData(0.1, 0.0, 1.0)]
    [InlineData(0.6, 0.8, 0.75)]
    public void Capacity_HealthyFraction_ScalesBelowTheMinimum(double healthy, double minimum, double expected) =>
        Assert.Equal(expected, RegionLoads.Capacity(healthy, minimum), 6);

    [Theory]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, new[] { 1.0, 0.0, 0.0 })]
    [InlineData(new[] { 0.5, 1.0, 1.0 }, new[] { 0.5, 0.5, 0.0 })]
    [InlineData(new[] { 0.5, 0.25, 1.0 }, new[] { 0.5, 0.25, 0.25 })]
    [InlineData(new[] { 0.0, 0.0, 1.0 }, new[] { 0.0, 0.0, 1.0 })]
    [InlineData(new[] { 0.3, 0.2 }, new[] { 0.6, 0.4 })]
    [InlineData(new[] { 0.0, 0.0 }, new[] { 0.0, 0.0 })]
    public void Compute_Capacities_SpillToTheNextRegionAndSumToOne(double[] capacities, double[] expected)
    {
        var loads = new double[capacities.Length];

        RegionLoads.Compute(capacities, loads);

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], loads[i], 6);
        }
    }
}
