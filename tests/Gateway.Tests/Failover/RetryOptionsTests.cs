using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Failover;

namespace Gateway.Tests.Failover;

public sealed class RetryOptionsTests
{
    private static IReadOnlyList<ConfigError> Validate(RetryOptions retry) =>
        GatewayOptionsValidator.Validate(new GatewayOptions { Failover = new FailoverOptions { Retry = retry } });

    [Fact]
    public void Defaults_AreValidAndDocumented()
    {
        var options = new RetryOptions();

        Assert.Empty(Validate(options));
        Assert.True(options.Enabled);
        Assert.Equal(65536, options.MaxBufferedBodySize);
    }

    [Fact]
    public void MinimumValues_AreValid() =>
        Assert.Empty(Validate(new RetryOptions { Enabled = false, MaxBufferedBodySize = 0 }));

    [Theory]
    [InlineData(-1)]
    [InlineData(10 * 1024 * 1024 + 1)]
    public void MaxBufferedBodySize_OutOfRange_IsRefusedWithItsPath(long size)
    {
        var error = Assert.Single(Validate(new RetryOptions { MaxBufferedBodySize = size }));

        Assert.Equal("Gateway:Failover:Retry:MaxBufferedBodySize", error.Path);
        Assert.Contains("between 0 and 10485760", error.Reason, StringComparison.Ordinal);
    }
}
