using Gateway.Resilience;
using Gateway.Shedding;

namespace Gateway.UnitTests.Shedding;

public sealed class SheddingRegistryTests
{
    [Fact]
    public void CappedByBulkhead_BulkheadBelowMaxLimit_LimitNeverAboveIt()
    {
        var options = SheddingRegistry.CappedByBulkhead(new SheddingOptions(), new BulkheadOptions { MaxConcurrentRequests = 10 });

        Assert.Equal(10, options.MaxLimit);
        Assert.Equal(10, options.InitialLimit);
        Assert.Equal(4, options.MinLimit);
    }

    [Fact]
    public void CappedByBulkhead_BulkheadBelowMinLimit_EveryBoundAtIt()
    {
        var options = SheddingRegistry.CappedByBulkhead(new SheddingOptions(), new BulkheadOptions { MaxConcurrentRequests = 2 });

        Assert.Equal((2, 2, 2), (options.MinLimit, options.InitialLimit, options.MaxLimit));
    }

    [Fact]
    public void CappedByBulkhead_NoPolicyOrBulkheadAboveMaxLimit_OptionsUnchanged()
    {
        var shedding = new SheddingOptions();

        Assert.Same(shedding, SheddingRegistry.CappedByBulkhead(shedding, null));
        Assert.Same(shedding, SheddingRegistry.CappedByBulkhead(shedding, new BulkheadOptions()));
    }
}
