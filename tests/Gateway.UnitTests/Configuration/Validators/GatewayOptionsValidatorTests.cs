using Gateway.Admin;
using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Failover;
using Gateway.Resilience;
using Gateway.Telemetry;
using Gateway.Utilities;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class GatewayOptionsValidatorTests
{
    private static GatewayOptions WithFailover(FailoverPolicyOptions policy) => new()
    {
        Failover = new FailoverOptions { Policies = new Dictionary<string, FailoverPolicyOptions> { ["p"] = policy } },
    };

    private static GatewayOptions WithResilience(ResiliencePolicyOptions policy) => new()
    {
        Resilience = new ResilienceOptions { Policies = new Dictionary<string, ResiliencePolicyOptions> { ["p"] = policy } },
    };

    private static ConfigError SingleError(GatewayOptions options) => Assert.Single(GatewayOptionsValidator.Validate(options));

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var options = new GatewayOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(options));
        Assert.Equal("http://127.0.0.1:9901", options.Admin.Urls);
        Assert.Null(options.Admin.ApiKey);
        Assert.Equal("grpc", options.Telemetry.Otlp.Protocol);
        Assert.False(options.Telemetry.UpstreamRequestMetrics);
        var policy = new FailoverPolicyOptions();
        Assert.Equal(0.5, policy.MinHealthyFraction);
        Assert.Equal(TimeSpan.FromSeconds(30), policy.FailbackDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), policy.SlowStart);
        Assert.Equal(TimeSpan.FromSeconds(30), new ResiliencePolicyOptions().Timeout);
    }

    [Fact]
    public void Validate_MinimumValues_AreValid()
    {
        var options = WithFailover(new FailoverPolicyOptions { Regions = ["a"], MinHealthyFraction = 0, FailbackDelay = TimeSpan.Zero, SlowStart = TimeSpan.Zero }) with
        {
            Resilience = new ResilienceOptions
            {
                Policies = new Dictionary<string, ResiliencePolicyOptions>
                {
                    ["r"] = new() { Timeout = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromMilliseconds(1) },
                },
            },
            Admin = new AdminOptions { Urls = "http://0.0.0.0:0", ApiKey = new string('k', 16) },
        };

        Assert.Empty(GatewayOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_NoRegions_NamesThePath()
    {
        var error = SingleError(WithFailover(new FailoverPolicyOptions()));
        Assert.Equal("Gateway:Failover:Policies:p:Regions", error.Path);
        Assert.Contains("at least one region", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateRegion_NamesTheIndex()
    {
        var error = SingleError(WithFailover(new FailoverPolicyOptions { Regions = ["eu", "EU"] }));
        Assert.Equal("Gateway:Failover:Policies:p:Regions:1", error.Path);
        Assert.Contains("listed twice", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyRegionName_IsAnError()
    {
        var error = SingleError(WithFailover(new FailoverPolicyOptions { Regions = [" "] }));
        Assert.Equal("Gateway:Failover:Policies:p:Regions:0", error.Path);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Validate_MinHealthyFractionOutOfRange_GivesTheRange(double value)
    {
        var error = SingleError(WithFailover(new FailoverPolicyOptions { Regions = ["a"], MinHealthyFraction = value }));
        Assert.Equal("Gateway:Failover:Policies:p:MinHealthyFraction", error.Path);
        Assert.StartsWith("must be between 0 and 1", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeFailbackDelay_IsAnError()
    {
        var error = SingleError(WithFailover(new FailoverPolicyOptions { Regions = ["a"], FailbackDelay = TimeSpan.FromSeconds(-1) }));
        Assert.Equal("Gateway:Failover:Policies:p:FailbackDelay", error.Path);
        Assert.Contains("between 00:00:00 and 01:00:00", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SlowStartOverAnHour_IsAnError()
    {
        var error = SingleError(WithFailover(new FailoverPolicyOptions { Regions = ["a"], SlowStart = TimeSpan.FromHours(2) }));
        Assert.Equal("Gateway:Failover:Policies:p:SlowStart", error.Path);
    }

    [Fact]
    public void Validate_ZeroTimeout_IsAnError()
    {
        var error = SingleError(WithResilience(new ResiliencePolicyOptions { Timeout = TimeSpan.Zero }));
        Assert.Equal("Gateway:Resilience:Policies:p:Timeout", error.Path);
        Assert.Contains("00:00:00.0010000 and 00:10:00", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AttemptTimeoutLongerThanTimeout_IsAnError()
    {
        var error = SingleError(WithResilience(new ResiliencePolicyOptions { Timeout = TimeSpan.FromSeconds(1), AttemptTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Equal("Gateway:Resilience:Policies:p:AttemptTimeout", error.Path);
    }

    [Theory]
    [InlineData("https://127.0.0.1:9901", "an https listener needs a certificate")]
    [InlineData("127.0.0.1:9901", "not an http:// or https://host:port URL")]
    [InlineData("http://127.0.0.1", "explicit port")]
    [InlineData("http://example.com:80", "IP address, localhost or *")]
    [InlineData("", "at least one")]
    public void Validate_BadAdminUrls_AreErrors(string urls, string reason)
    {
        var error = SingleError(new GatewayOptions { Admin = new AdminOptions { Urls = urls } });
        Assert.Equal("Gateway:Admin:Urls", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NonLoopbackAdminWithoutKey_RequiresKey()
    {
        var error = SingleError(new GatewayOptions { Admin = new AdminOptions { Urls = "http://*:9901" } });
        Assert.Equal("Gateway:Admin:ApiKey", error.Path);
        Assert.Contains("required", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HttpsAdminWithCertificate_IsValid()
    {
        var admin = new AdminOptions { Urls = "https://127.0.0.1:9443", Certificate = new ListenerCertificateOptions { Path = "admin.pfx" } };

        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { Admin = admin }));
    }

    [Fact]
    public void Validate_AdminCertificateWithoutHttpsUrl_IsAnError()
    {
        var error = SingleError(new GatewayOptions { Admin = new AdminOptions { Certificate = new ListenerCertificateOptions { Path = "admin.pfx" } } });
        Assert.Equal(("Gateway:Admin:Certificate", "applies to https:// admin URLs only; Gateway:Admin:Urls has none."), (error.Path, error.Reason));
    }

    [Fact]
    public void Validate_AdminSslProtocolsWithoutHttpsUrl_IsAnError()
    {
        var error = SingleError(new GatewayOptions { Admin = new AdminOptions { SslProtocols = ["Tls13"] } });
        Assert.Equal("Gateway:Admin:SslProtocols", error.Path);
    }

    [Fact]
    public void Validate_AdminCertificateWithoutPath_IsAnError()
    {
        var admin = new AdminOptions { Urls = "https://127.0.0.1:9443", Certificate = new ListenerCertificateOptions { KeyPath = "admin.key" } };

        var error = SingleError(new GatewayOptions { Admin = admin });

        Assert.Equal(("Gateway:Admin:Certificate:Path", "is required."), (error.Path, error.Reason));
    }

    [Fact]
    public void Validate_ShortApiKey_IsAnError()
    {
        var error = SingleError(new GatewayOptions { Admin = new AdminOptions { ApiKey = "short" } });
        Assert.Equal("Gateway:Admin:ApiKey", error.Path);
        Assert.Contains("16 characters", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadOtlpSettings_AreErrors()
    {
        var errors = GatewayOptionsValidator.Validate(new GatewayOptions
        {
            Telemetry = new TelemetryOptions { ServiceName = "", Otlp = new OtlpOptions { Endpoint = "collector:4317", Protocol = "udp" } },
        });

        Assert.Equal(
            ["Gateway:Telemetry:ServiceName", "Gateway:Telemetry:Otlp:Endpoint", "Gateway:Telemetry:Otlp:Protocol"],
            errors.Select(e => e.Path));
    }
}
