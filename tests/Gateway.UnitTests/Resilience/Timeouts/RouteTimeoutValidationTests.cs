using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Resilience;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Resilience;

/// <summary>A route's <c>Metadata.Timeout</c>, which overrides its cluster's resilience policy timeout.</summary>
public sealed class RouteTimeoutValidationTests
{
    private static readonly GatewayOptions s_gateway = new()
    {
        Resilience = new ResilienceOptions
        {
            Policies = new Dictionary<string, ResiliencePolicyOptions>(StringComparer.OrdinalIgnoreCase) { ["p"] = new() },
        },
    };

    private static IReadOnlyList<ConfigError> Validate(string timeout, bool clusterHasPolicy = true)
    {
        var route = new RouteConfig
        {
            RouteId = "r",
            ClusterId = "api",
            Match = new RouteMatch { Path = "/" },
            Metadata = new Dictionary<string, string> { ["Timeout"] = timeout },
        };
        var cluster = new ClusterConfig
        {
            ClusterId = "api",
            Metadata = clusterHasPolicy ? new Dictionary<string, string> { ["ResiliencePolicy"] = "p" } : null,
            Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = "http://127.0.0.1:1/" } },
        };
        return ProxyMetadataValidator.Validate([route], [cluster], s_gateway);
    }

    [Theory]
    [InlineData("00:00:00.001")]
    [InlineData("00:00:02.500")]
    [InlineData("00:10:00")]
    public void Validate_DurationInRange_IsValid(string timeout) => Assert.Empty(Validate(timeout));

    [Fact]
    public void Validate_NotADuration_NamesTheKey()
    {
        var error = Assert.Single(Validate("soon"));
        Assert.Equal("ReverseProxy:Routes:r:Metadata:Timeout", error.Path);
        Assert.Equal("must be a duration hh:mm:ss[.fff] (was 'soon').", error.Reason);
    }

    [Fact]
    public void Validate_OutOfRange_GivesTheRange()
    {
        var error = Assert.Single(Validate("00:11:00"));
        Assert.Equal("must be between 00:00:00.0010000 and 00:10:00 (was 00:11:00).", error.Reason);
    }

    [Fact]
    public void Validate_ClusterWithoutPolicy_IsRefused()
    {
        var error = Assert.Single(Validate("00:00:02", clusterHasPolicy: false));
        Assert.Equal("ReverseProxy:Routes:r:Metadata:Timeout", error.Path);
        Assert.Contains("needs a resilience policy on cluster 'api'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadRouteTimeout_ParsesTheValidatedFormat() =>
        Assert.Equal(TimeSpan.FromMilliseconds(2500), ResilienceMiddleware.ReadRouteTimeout(new Dictionary<string, string> { ["Timeout"] = "00:00:02.500" }));
}
