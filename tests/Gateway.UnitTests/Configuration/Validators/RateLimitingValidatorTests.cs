using Gateway.ClientIdentity;
using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.RateLimiting;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class RateLimitingValidatorTests
{
    private static GatewayOptions With(RateLimitPolicyOptions policy, string name = "p") => new()
    {
        RateLimiting = new RateLimitingOptions { Policies = new Dictionary<string, RateLimitPolicyOptions>(StringComparer.OrdinalIgnoreCase) { [name] = policy } },
    };

    private static ConfigError SingleError(GatewayOptions options) => Assert.Single(GatewayOptionsValidator.Validate(options));

    private static void AssertError(GatewayOptions options, string path, string reasonPart)
    {
        var error = SingleError(options);
        Assert.Equal(path, error.Path);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var policy = new RateLimitPolicyOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(With(policy)));
        Assert.Equal("TokenBucket", policy.Algorithm);
        Assert.Equal("ClientIp", policy.PartitionBy);
        Assert.Equal("Local", policy.Scope);
        Assert.Equal(100, policy.TokenLimit);
        Assert.Equal(100, policy.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.ReplenishmentPeriod);
        Assert.Equal(100, policy.PermitLimit);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.Window);
        Assert.Equal(4, policy.SegmentsPerWindow);
        Assert.Equal(0, policy.QueueLimit);
        Assert.Null(policy.LeaseSize);
        Assert.Equal(5, GlobalRateLimitPolicy.EffectiveLeaseSize(policy));
        Assert.Empty(new ClientIdentityOptions().TrustedProxies);
    }

    [Fact]
    public void Validate_MinimumValues_AreValid()
    {
        var ms10 = TimeSpan.FromMilliseconds(10);
        var options = new GatewayOptions
        {
            RateLimiting = new RateLimitingOptions
            {
                Policies = new Dictionary<string, RateLimitPolicyOptions>
                {
                    ["tb"] = new() { Algorithm = "tokenbucket", Scope = "global", PartitionBy = "ApiKey", TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = ms10, LeaseSize = 1 },
                    ["sw"] = new() { Algorithm = "SlidingWindow", PartitionBy = "Header:X-Tenant", PermitLimit = 1, Window = ms10, SegmentsPerWindow = 1 },
                    ["fw"] = new() { Algorithm = "FixedWindow", PartitionBy = "Route", PermitLimit = 1, Window = ms10, QueueLimit = 0 },
                    ["cc"] = new() { Algorithm = "Concurrency", PartitionBy = "Global", PermitLimit = 1, QueueLimit = 0 },
                },
            },
            ClientIdentity = new ClientIdentityOptions { TrustedProxies = ["10.0.0.0/8", "::1/128", "192.168.0.1"] },
        };

        Assert.Empty(GatewayOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_MaximumValues_AreValid()
    {
        var hour = TimeSpan.FromHours(1);
        var options = With(new RateLimitPolicyOptions { TokenLimit = 1_000_000, TokensPerPeriod = 1_000_000, ReplenishmentPeriod = hour, QueueLimit = 10_000, LeaseSize = 1_000_000 });

        Assert.Empty(GatewayOptionsValidator.Validate(options));
    }

    [Theory]
    [InlineData("Algorithm", "must be one of TokenBucket, SlidingWindow, FixedWindow, Concurrency (was 'Leaky').")]
    [InlineData("Scope", "must be one of Local, Global (was 'Leaky').")]
    [InlineData("PartitionBy", "must be ApiKey, ClientIp, Header:<name>, Consumer, Claim:<name>, Route or Global (was 'Leaky').")]
    public void Validate_UnknownName_ListsTheChoices(string field, string reason)
    {
        var policy = field switch
        {
            "Algorithm" => new RateLimitPolicyOptions { Algorithm = "Leaky" },
            "Scope" => new RateLimitPolicyOptions { Scope = "Leaky" },
            _ => new RateLimitPolicyOptions { PartitionBy = "Leaky" },
        };

        var error = SingleError(With(policy));

        Assert.Equal($"Gateway:RateLimiting:Policies:p:{field}", error.Path);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Validate_HeaderWithoutName_IsAnError() =>
        AssertError(With(new RateLimitPolicyOptions { PartitionBy = "Header:" }), "Gateway:RateLimiting:Policies:p:PartitionBy", "Header:<name>");

    [Theory]
    [InlineData("TokenLimit", 0, "must be between 1 and 1000000 (was 0).")]
    [InlineData("TokensPerPeriod", 1_000_001, "must be between 1 and 1000000 (was 1000001).")]
    [InlineData("QueueLimit", -1, "must be between 0 and 10000 (was -1).")]
    [InlineData("QueueLimit", 10_001, "must be between 0 and 10000 (was 10001).")]
    public void Validate_TokenBucketCountOutOfRange_NamesTheRange(string field, int value, string reason)
    {
        var policy = field switch
        {
            "TokenLimit" => new RateLimitPolicyOptions { TokenLimit = value, LeaseSize = 1 },
            "TokensPerPeriod" => new RateLimitPolicyOptions { TokensPerPeriod = value },
            _ => new RateLimitPolicyOptions { QueueLimit = value },
        };

        var error = SingleError(With(policy));

        Assert.Equal($"Gateway:RateLimiting:Policies:p:{field}", error.Path);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Validate_ReplenishmentPeriodTooShort_NamesTheRange() =>
        AssertError(
            With(new RateLimitPolicyOptions { ReplenishmentPeriod = TimeSpan.FromMilliseconds(9) }),
            "Gateway:RateLimiting:Policies:p:ReplenishmentPeriod",
            "must be between 00:00:00.0100000 and 01:00:00 (was 00:00:00.0090000).");

    [Theory]
    [InlineData("FixedWindow")]
    [InlineData("SlidingWindow")]
    [InlineData("Concurrency")]
    public void Validate_PermitLimitZero_IsAnError(string algorithm) =>
        AssertError(With(new RateLimitPolicyOptions { Algorithm = algorithm, PermitLimit = 0 }), "Gateway:RateLimiting:Policies:p:PermitLimit", "must be between 1 and 1000000 (was 0).");

    [Fact]
    public void Validate_WindowTooLong_NamesTheRange() =>
        AssertError(
            With(new RateLimitPolicyOptions { Algorithm = "FixedWindow", Window = TimeSpan.FromHours(2) }),
            "Gateway:RateLimiting:Policies:p:Window",
            "must be between 00:00:00.0100000 and 01:00:00 (was 02:00:00).");

    [Fact]
    public void Validate_SegmentsOutOfRange_NamesTheRange() =>
        AssertError(
            With(new RateLimitPolicyOptions { Algorithm = "SlidingWindow", Window = TimeSpan.FromHours(1), SegmentsPerWindow = 101 }),
            "Gateway:RateLimiting:Policies:p:SegmentsPerWindow",
            "must be between 1 and 100 (was 101).");

    [Fact]
    public void Validate_SegmentsShorterThan10ms_IsAnError() =>
        AssertError(
            With(new RateLimitPolicyOptions { Algorithm = "SlidingWindow", Window = TimeSpan.FromMilliseconds(50), SegmentsPerWindow = 10 }),
            "Gateway:RateLimiting:Policies:p:SegmentsPerWindow",
            "makes segments shorter than 10 ms");

    [Fact]
    public void Validate_GlobalConcurrency_IsAnError() =>
        AssertError(With(new RateLimitPolicyOptions { Algorithm = "Concurrency", Scope = "Global" }), "Gateway:RateLimiting:Policies:p:Scope", "cannot be Global");

    [Fact]
    public void Validate_GlobalWithQueue_IsAnError() =>
        AssertError(With(new RateLimitPolicyOptions { Scope = "Global", QueueLimit = 1 }), "Gateway:RateLimiting:Policies:p:QueueLimit", "must be 0 with Scope Global");

    [Fact]
    public void Validate_LeaseSizeAboveLimit_NamesTheRange() =>
        AssertError(With(new RateLimitPolicyOptions { TokenLimit = 10, LeaseSize = 11 }), "Gateway:RateLimiting:Policies:p:LeaseSize", "must be between 1 and 10 (was 11).");

    [Fact]
    public void Validate_PolicyNameWithSpace_IsAnError() =>
        AssertError(With(new RateLimitPolicyOptions(), "my policy"), "Gateway:RateLimiting:Policies:my policy", "letters, digits");

    [Fact]
    public void Validate_BadTrustedProxy_NamesTheIndex() =>
        AssertError(
            new GatewayOptions { ClientIdentity = new ClientIdentityOptions { TrustedProxies = ["10.0.0.0/8", "10.0.0.0/33"] } },
            "Gateway:ClientIdentity:TrustedProxies:1",
            "must be a CIDR such as 10.0.0.0/8 or an IP address (was '10.0.0.0/33').");

    [Fact]
    public void ValidateRoute_UnknownPolicy_NamesTheRouteField()
    {
        var routes = new[] { new RouteConfig { RouteId = "api", ClusterId = "c", RateLimiterPolicy = "nope", Match = new RouteMatch { Path = "/x" } } };
        var clusters = new[] { new ClusterConfig { ClusterId = "c" } };

        var error = Assert.Single(ProxyMetadataValidator.Validate(routes, clusters, With(new RateLimitPolicyOptions(), "known")));

        Assert.Equal("ReverseProxy:Routes:api:RateLimiterPolicy", error.Path);
        Assert.Equal("policy 'nope' does not exist under Gateway:RateLimiting:Policies.", error.Reason);
    }

    [Fact]
    public void ValidateRoute_KnownPolicy_AnyCase_IsValid()
    {
        var routes = new[] { new RouteConfig { RouteId = "api", ClusterId = "c", RateLimiterPolicy = "KNOWN", Match = new RouteMatch { Path = "/x" } } };
        var clusters = new[] { new ClusterConfig { ClusterId = "c" } };

        Assert.Empty(ProxyMetadataValidator.Validate(routes, clusters, With(new RateLimitPolicyOptions(), "known")));
    }
}
