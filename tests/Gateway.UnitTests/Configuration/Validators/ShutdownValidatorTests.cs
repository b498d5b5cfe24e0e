using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Shutdown;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class ShutdownValidatorTests
{
    private static void AssertError(ShutdownOptions shutdown, string path, string reasonPart)
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { Shutdown = shutdown }));
        Assert.Equal(path, error.Path);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var shutdown = new ShutdownOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { Shutdown = shutdown }));
        Assert.Equal(TimeSpan.FromSeconds(5), shutdown.DrainDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), shutdown.Timeout);
    }

    [Fact]
    public void Validate_MinimumValues_AreValid() =>
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            Shutdown = new ShutdownOptions { DrainDelay = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(1) },
        }));

    [Fact]
    public void Validate_MaximumValues_AreValid() =>
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            Shutdown = new ShutdownOptions { DrainDelay = TimeSpan.FromMinutes(5), Timeout = TimeSpan.FromHours(1) },
        }));

    [Fact]
    public void Validate_DrainDelayOutOfRange_NamesTheRange()
    {
        AssertError(new ShutdownOptions { DrainDelay = TimeSpan.FromSeconds(-1) }, "Gateway:Shutdown:DrainDelay", "must be between 00:00:00 and 00:05:00 (was -00:00:01).");
        AssertError(new ShutdownOptions { DrainDelay = TimeSpan.FromMinutes(6) }, "Gateway:Shutdown:DrainDelay", "(was 00:06:00).");
    }

    [Fact]
    public void Validate_TimeoutOutOfRange_NamesTheRange()
    {
        AssertError(new ShutdownOptions { Timeout = TimeSpan.FromMilliseconds(500) }, "Gateway:Shutdown:Timeout", "must be between 00:00:01 and 01:00:00 (was 00:00:00.5000000).");
        AssertError(new ShutdownOptions { Timeout = TimeSpan.FromHours(2) }, "Gateway:Shutdown:Timeout", "(was 02:00:00).");
    }
}
