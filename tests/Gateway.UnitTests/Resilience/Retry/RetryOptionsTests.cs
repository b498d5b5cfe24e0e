using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Resilience;
using Gateway.Utilities;

namespace Gateway.UnitTests.Resilience;

public sealed class RetryOptionsTests
{
    private static IReadOnlyList<ConfigError> Validate(RetryOptions retry) =>
        GatewayOptionsValidator.Validate(new GatewayOptions { Resilience = new ResilienceOptions { Retry = retry } });

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

        Assert.Equal("Gateway:Resilience:Retry:MaxBufferedBodySize", error.Path);
        Assert.Contains("between 0 and 10485760", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_BesideAPolicyThatRetries_IsRefusedNamingThePolicy()
    {
        var options = new GatewayOptions
        {
            Resilience = new ResilienceOptions
            {
                Retry = new RetryOptions { Enabled = false },
                Policies = new Dictionary<string, ResiliencePolicyOptions>
                {
                    ["standard"] = new() { Retry = new RetryPolicyOptions { MaxAttempts = 3 } },
                    ["single"] = new() { Retry = new RetryPolicyOptions { MaxAttempts = 1 } },
                },
            },
        };

        var error = Assert.Single(GatewayOptionsValidator.Validate(options));

        Assert.Equal("Gateway:Resilience:Retry:Enabled", error.Path);
        Assert.Contains("policy 'standard' retries", error.Reason, StringComparison.Ordinal);
    }
}
