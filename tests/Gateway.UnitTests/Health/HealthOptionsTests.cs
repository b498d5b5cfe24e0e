using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Health;
using Gateway.Utilities;

namespace Gateway.UnitTests.Health;

public sealed class HealthOptionsTests
{
    private static IReadOnlyList<ConfigError> Validate(HealthOptions health) =>
        GatewayOptionsValidator.Validate(new GatewayOptions { Health = health });

    [Fact]
    public void Defaults_AreValidAndDocumented()
    {
        var options = new HealthOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(0.5, options.PanicThreshold);
        Assert.Equal(5, options.OutlierDetection.ConsecutiveFailures);
        Assert.Equal(TimeSpan.FromSeconds(30), options.OutlierDetection.BaseEjectionTime);
        Assert.Equal(2, options.OutlierDetection.EjectionTimeMultiplier);
        Assert.Equal(TimeSpan.FromSeconds(300), options.OutlierDetection.MaxEjectionTime);
        Assert.Equal(50, options.OutlierDetection.MaxEjectionPercent);
    }

    [Fact]
    public void MinimumValues_AreValid()
    {
        var options = new HealthOptions
        {
            PanicThreshold = 0,
            OutlierDetection = new OutlierDetectionOptions
            {
                ConsecutiveFailures = 1,
                BaseEjectionTime = TimeSpan.FromMilliseconds(100),
                EjectionTimeMultiplier = 1,
                MaxEjectionTime = TimeSpan.FromMilliseconds(100),
                MaxEjectionPercent = 0,
            },
        };

        Assert.Empty(Validate(options));
    }

    public static TheoryData<HealthOptions, string, string> Invalid => new()
    {
        { new HealthOptions { PanicThreshold = 1.1 }, "Gateway:Health:PanicThreshold", "between 0 and 1" },
        { Outlier(new OutlierDetectionOptions { ConsecutiveFailures = 0 }), "Gateway:Health:OutlierDetection:ConsecutiveFailures", "between 1 and 1000" },
        { Outlier(new OutlierDetectionOptions { BaseEjectionTime = TimeSpan.FromMilliseconds(99) }), "Gateway:Health:OutlierDetection:BaseEjectionTime", "between 00:00:00.1000000 and 01:00:00" },
        { Outlier(new OutlierDetectionOptions { EjectionTimeMultiplier = 0.5 }), "Gateway:Health:OutlierDetection:EjectionTimeMultiplier", "between 1 and 10" },
        { Outlier(new OutlierDetectionOptions { MaxEjectionTime = TimeSpan.FromSeconds(10) }), "Gateway:Health:OutlierDetection:MaxEjectionTime", "between 00:00:30 and 01:00:00" },
        { Outlier(new OutlierDetectionOptions { MaxEjectionPercent = 101 }), "Gateway:Health:OutlierDetection:MaxEjectionPercent", "between 0 and 100" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_Value_IsRefusedWithItsPathAndRange(HealthOptions options, string path, string reason)
    {
        var error = Assert.Single(Validate(options));

        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    private static HealthOptions Outlier(OutlierDetectionOptions outlier) => new() { OutlierDetection = outlier };
}
