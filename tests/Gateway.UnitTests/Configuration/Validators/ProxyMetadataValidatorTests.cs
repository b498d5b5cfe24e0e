using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Failover;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class ProxyMetadataValidatorTests
{
    private static readonly GatewayOptions s_gateway = new()
    {
        Failover = new FailoverOptions
        {
            Policies = new Dictionary<string, FailoverPolicyOptions>(StringComparer.OrdinalIgnoreCase)
            {
                ["eu-first"] = new() { Regions = ["eu-west", "us-east"] },
            },
        },
    };

    private static RouteConfig Route(string cluster = "api", Dictionary<string, string>? metadata = null) =>
        new() { RouteId = "r", ClusterId = cluster, Match = new RouteMatch { Path = "/" }, Metadata = metadata };

    private static ClusterConfig Cluster(Dictionary<string, string>? metadata = null, string region = "eu-west", string address = "http://127.0.0.1:1/") => new()
    {
        ClusterId = "api",
        Metadata = metadata,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["d1"] = new() { Address = address, Metadata = new Dictionary<string, string> { ["Region"] = region } },
        },
    };

    private static IReadOnlyList<ConfigError> Validate(RouteConfig route, ClusterConfig cluster) =>
        ProxyMetadataValidator.Validate([route], [cluster], s_gateway);

    [Fact]
    public void Validate_ConsistentConfig_HasNoErrors()
    {
        Assert.Empty(Validate(
            Route(metadata: new() { ["Priority"] = "critical" }),
            Cluster(new() { ["FailoverPolicy"] = "EU-FIRST" })));
    }

    [Fact]
    public void Validate_UnknownFailoverPolicy_NamesTheMetadataKey()
    {
        var error = Assert.Single(Validate(Route(), Cluster(new() { ["FailoverPolicy"] = "nope" })));
        Assert.Equal("ReverseProxy:Clusters:api:Metadata:FailoverPolicy", error.Path);
        Assert.Contains("'nope' does not exist", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownResiliencePolicy_NamesTheMetadataKey()
    {
        var error = Assert.Single(Validate(Route(), Cluster(new() { ["ResiliencePolicy"] = "strict" })));
        Assert.Equal("ReverseProxy:Clusters:api:Metadata:ResiliencePolicy", error.Path);
    }

    [Fact]
    public void Validate_RegionNotInPolicy_ListsThePolicyRegions()
    {
        var error = Assert.Single(Validate(Route(), Cluster(new() { ["FailoverPolicy"] = "eu-first" }, region: "ap-south")));
        Assert.Equal("ReverseProxy:Clusters:api:Destinations:d1:Metadata:Region", error.Path);
        Assert.Contains("'ap-south' is not in failover policy 'eu-first' (Regions: eu-west, us-east)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingRegionUnderFailoverPolicy_IsAnError()
    {
        var error = Assert.Single(Validate(Route(), Cluster(new() { ["FailoverPolicy"] = "eu-first" }, region: "")));
        Assert.Contains("is required", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownPriority_ListsTheChoices()
    {
        var error = Assert.Single(Validate(Route(metadata: new() { ["Priority"] = "urgent" }), Cluster()));
        Assert.Equal("ReverseProxy:Routes:r:Metadata:Priority", error.Path);
        Assert.Contains("critical, default, sheddable", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AccessLogSwitchNotABoolean_IsAnError()
    {
        Assert.Empty(Validate(Route(metadata: new() { ["AccessLog"] = "false" }), Cluster()));
        var error = Assert.Single(Validate(Route(metadata: new() { ["AccessLog"] = "off" }), Cluster()));
        Assert.Equal("ReverseProxy:Routes:r:Metadata:AccessLog", error.Path);
        Assert.Equal("must be true or false (was 'off').", error.Reason);
    }

    [Fact]
    public void Validate_RouteToMissingCluster_IsAnError()
    {
        var error = Assert.Single(Validate(Route(cluster: "other"), Cluster()));
        Assert.Equal("ReverseProxy:Routes:r:ClusterId", error.Path);
    }

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("ftp://127.0.0.1/")]
    public void Validate_BadDestinationAddress_IsAnError(string address)
    {
        var error = Assert.Single(Validate(Route(), Cluster(address: address)));
        Assert.Equal("ReverseProxy:Clusters:api:Destinations:d1:Address", error.Path);
    }
}
