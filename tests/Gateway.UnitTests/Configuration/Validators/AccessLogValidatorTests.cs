using Gateway.AccessLog;
using Gateway.Configuration;
using Gateway.Configuration.Validators;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class AccessLogValidatorTests
{
    private static void AssertError(AccessLogOptions accessLog, string path, string reasonPart)
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { AccessLog = accessLog }));
        Assert.Equal(path, error.Path);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var accessLog = new AccessLogOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { AccessLog = accessLog }));
        Assert.False(accessLog.Enabled);
        Assert.Null(accessLog.Path);
        Assert.Equal(1, accessLog.SampleRate);
        Assert.Equal(10_000, accessLog.QueueLimit);
    }

    [Fact]
    public void Validate_MinimumValues_AreValid() =>
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            AccessLog = new AccessLogOptions { Enabled = true, Path = "a", SampleRate = 0, QueueLimit = 1 },
        }));

    [Fact]
    public void Validate_MaximumValues_AreValid() =>
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            AccessLog = new AccessLogOptions { SampleRate = 1, QueueLimit = 1_000_000 },
        }));

    [Fact]
    public void Validate_EmptyPath_SaysToLeaveItOut() =>
        AssertError(new AccessLogOptions { Path = " " }, "Gateway:AccessLog:Path", "must not be empty; leave it out to write to standard output.");

    [Fact]
    public void Validate_SampleRateOutOfRange_NamesTheRange()
    {
        AssertError(new AccessLogOptions { SampleRate = 1.5 }, "Gateway:AccessLog:SampleRate", "must be between 0 and 1 (was 1.5).");
        AssertError(new AccessLogOptions { SampleRate = double.NaN }, "Gateway:AccessLog:SampleRate", "must be between 0 and 1");
    }

    [Fact]
    public void Validate_QueueLimitOutOfRange_NamesTheRange()
    {
        AssertError(new AccessLogOptions { QueueLimit = 0 }, "Gateway:AccessLog:QueueLimit", "must be between 1 and 1000000 (was 0).");
        AssertError(new AccessLogOptions { QueueLimit = 1_000_001 }, "Gateway:AccessLog:QueueLimit", "(was 1000001).");
    }
}
