using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Identity;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class IdentityValidatorTests
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static GatewayOptions With(IdentityOptions identity) => new() { Identity = identity };

    private static IdentityOptions JwtPolicy(JwtOptions jwt) => new()
    {
        Jwt = jwt,
        Policies = new Dictionary<string, IdentityPolicyOptions> { ["p"] = new() { Scheme = "Jwt" } },
    };

    private static readonly JwtOptions s_validJwt = new() { Issuer = "https://i", Audiences = ["a"], JwksUrl = "https://i/jwks" };

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var identity = new IdentityOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(With(identity)));
        Assert.Equal("X-Api-Key", identity.ApiKeyHeader);
        Assert.Equal("X-Gateway-Consumer", identity.ConsumerHeader);
        Assert.Equal(10_000, identity.TokenCacheSize);
        Assert.Equal(TimeSpan.FromMinutes(5), identity.Jwt.JwksRefreshInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), identity.Jwt.ClockSkew);
        Assert.Equal("sub", identity.Jwt.ConsumerClaim);
    }

    [Fact]
    public void Validate_MinimalJwtPolicy_IsValid() => Assert.Empty(GatewayOptionsValidator.Validate(With(JwtPolicy(s_validJwt))));

    [Fact]
    public void Validate_KeyInClearInsteadOfHash_NamesThePathButNeverTheValue()
    {
        const string key = "my-secret-api-key";
        var identity = new IdentityOptions { Consumers = new Dictionary<string, ConsumerOptions> { ["acme"] = new() { KeyHashes = [key] } } };

        var error = Assert.Single(GatewayOptionsValidator.Validate(With(identity)));

        Assert.Equal("Gateway:Identity:Consumers:acme:KeyHashes:0", error.Path);
        Assert.DoesNotContain(key, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HashOfTwoConsumers_IsRefusedWithoutShowingIt()
    {
        var identity = new IdentityOptions
        {
            Consumers = new Dictionary<string, ConsumerOptions> { ["a"] = new() { KeyHashes = [Hash] }, ["b"] = new() { KeyHashes = [Hash] } },
        };

        var error = Assert.Single(GatewayOptionsValidator.Validate(With(identity)));

        Assert.Equal("Gateway:Identity:Consumers:b:KeyHashes:0", error.Path);
        Assert.DoesNotContain(Hash, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Issuer", "is required")]
    [InlineData("Audiences", "at least one audience")]
    [InlineData("JwksUrl", "https URL")]
    [InlineData("Algorithms:0", "HS*")]
    [InlineData("ClockSkew", "between")]
    public void Validate_BadJwtSettings_NameTheKey(string key, string reason)
    {
        var jwt = key switch
        {
            "Issuer" => s_validJwt with { Issuer = null },
            "Audiences" => s_validJwt with { Audiences = [] },
            "JwksUrl" => s_validJwt with { JwksUrl = "http://idp.example.com/jwks?token=s3cr3t" },
            "Algorithms:0" => s_validJwt with { Algorithms = ["HS256"] },
            _ => s_validJwt with { ClockSkew = TimeSpan.FromHours(1) },
        };

        var error = Assert.Single(GatewayOptionsValidator.Validate(With(JwtPolicy(jwt))));

        Assert.Equal($"Gateway:Identity:Jwt:{key}", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ConsumerHeaderOutsideInternalPrefix_IsRefused()
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(With(new IdentityOptions { ConsumerHeader = "X-Consumer" })));

        Assert.Equal("Gateway:Identity:ConsumerHeader", error.Path);
    }
}
