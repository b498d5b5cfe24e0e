using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Shedding;
using Gateway.Utilities;

namespace Gateway.UnitTests.Shedding;

public sealed class SheddingOptionsTests
{
    private static IReadOnlyList<ConfigError> Validate(SheddingOptions shedding) =>
        GatewayOptionsValidator.Validate(new GatewayOptions { Shedding = shedding });

    [Fact]
    public void Defaults_AreValidAndDocumented()
    {
        var options = new SheddingOptions();

        Assert.Empty(Validate(options));
        Assert.True(options.Enabled);
        Assert.Equal(4, options.MinLimit);
        Assert.Equal(1000, options.MaxLimit);
        Assert.Equal(20, options.InitialLimit);
        Assert.Equal(10_000, options.QueueLimit);
        Assert.Equal(TimeSpan.FromSeconds(2), options.QueueTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.StandingQueueWait);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.StandingQueueInterval);
        Assert.Equal(0.2, options.CriticalReservedFraction);
        Assert.Equal(1.0, options.SheddableFraction);
        Assert.Equal(1.3, options.Tolerance);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.ToleranceFloor);
        Assert.Equal(0.2, options.Smoothing);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.SampleWindow);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BaselineWindow);
        Assert.Equal(1, options.RetryAfterMinSeconds);
        Assert.Equal(30, options.RetryAfterMaxSeconds);
        Assert.True(options.SharedPacing);
    }

    [Fact]
    public void MinimumValues_AreValid()
    {
        var options = new SheddingOptions
        {
            Enabled = true,
            MinLimit = 1,
            MaxLimit = 1,
            InitialLimit = 1,
            QueueLimit = 0,
            QueueTimeout = TimeSpan.Zero,
            CriticalReservedFraction = 0,
            SheddableFraction = 0,
            Tolerance = 1,
            ToleranceFloor = TimeSpan.Zero,
            Smoothing = 0.001,
            SampleWindow = TimeSpan.FromMilliseconds(10),
            BaselineWindow = TimeSpan.FromMilliseconds(10),
            RetryAfterMinSeconds = 0,
            RetryAfterMaxSeconds = 0,
        };

        Assert.Empty(Validate(options));
    }

    [Fact]
    public void MaximumValues_AreValid()
    {
        var options = new SheddingOptions
        {
            MinLimit = 100_000,
            MaxLimit = 100_000,
            InitialLimit = 100_000,
            QueueLimit = 100_000,
            QueueTimeout = TimeSpan.FromSeconds(10),
            CriticalReservedFraction = 0.9,
            SheddableFraction = 1,
            Tolerance = 10,
            ToleranceFloor = TimeSpan.FromSeconds(10),
            Smoothing = 1,
            SampleWindow = TimeSpan.FromSeconds(10),
            BaselineWindow = TimeSpan.FromHours(1),
            RetryAfterMinSeconds = 600,
            RetryAfterMaxSeconds = 600,
        };

        Assert.Empty(Validate(options));
    }

    public static TheoryData<SheddingOptions, string, string> Invalid => new()
    {
        { new SheddingOptions { MinLimit = 0, InitialLimit = 20 }, "MinLimit", "between 1 and 100000" },
        { new SheddingOptions { MaxLimit = 100_001 }, "MaxLimit", "between 4 and 100000" },
        { new SheddingOptions { MinLimit = 30, InitialLimit = 30, MaxLimit = 20 }, "MaxLimit", "between 30 and 100000" },
        { new SheddingOptions { InitialLimit = 3 }, "InitialLimit", "between 4 and 1000" },
        { new SheddingOptions { InitialLimit = 1001 }, "InitialLimit", "between 4 and 1000" },
        { new SheddingOptions { QueueLimit = -1 }, "QueueLimit", "between 0 and 100000" },
        { new SheddingOptions { QueueTimeout = TimeSpan.FromSeconds(11) }, "QueueTimeout", "between 00:00:00 and 00:00:10" },
        { new SheddingOptions { QueueTimeout = TimeSpan.FromMilliseconds(-1) }, "QueueTimeout", "between 00:00:00 and 00:00:10" },
        { new SheddingOptions { PacedQueueTimeout = TimeSpan.FromSeconds(11) }, "PacedQueueTimeout", "between 00:00:00 and 00:00:10" },
        { new SheddingOptions { CriticalQueueTimeout = TimeSpan.FromSeconds(-1) }, "CriticalQueueTimeout", "between 00:00:00 and 00:00:10" },
        { new SheddingOptions { CriticalReservedFraction = 0.95 }, "CriticalReservedFraction", "between 0 and 0.9" },
        { new SheddingOptions { SheddableFraction = double.NaN }, "SheddableFraction", "between 0 and 1" },
        { new SheddingOptions { Tolerance = 0.9 }, "Tolerance", "between 1 and 10" },
        { new SheddingOptions { ToleranceFloor = TimeSpan.FromMilliseconds(-1) }, "ToleranceFloor", "between 00:00:00 and 00:00:10" },
        { new SheddingOptions { ToleranceFloor = TimeSpan.FromSeconds(11) }, "ToleranceFloor", "between 00:00:00 and 00:00:10" },
        { new SheddingOptions { Smoothing = 0 }, "Smoothing", "above 0 and at most 1" },
        { new SheddingOptions { Smoothing = 1.1 }, "Smoothing", "above 0 and at most 1" },
        { new SheddingOptions { SampleWindow = TimeSpan.FromMilliseconds(9), BaselineWindow = TimeSpan.FromSeconds(1) }, "SampleWindow", "between 00:00:00.0100000 and 00:00:10" },
        { new SheddingOptions { BaselineWindow = TimeSpan.FromMilliseconds(50) }, "BaselineWindow", "between 00:00:00.1000000 and 01:00:00" },
        { new SheddingOptions { RetryAfterMinSeconds = -1, RetryAfterMaxSeconds = 30 }, "RetryAfterMinSeconds", "between 0 and 600" },
        { new SheddingOptions { RetryAfterMaxSeconds = 601 }, "RetryAfterMaxSeconds", "between 1 and 600" },
        { new SheddingOptions { RetryAfterMinSeconds = 10, RetryAfterMaxSeconds = 5 }, "RetryAfterMaxSeconds", "between 10 and 600" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_Value_IsRefusedWithItsPathAndRange(SheddingOptions options, string key, string reason)
    {
        var error = Assert.Single(Validate(options));

        Assert.Equal($"Gateway:Shedding:{key}", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
