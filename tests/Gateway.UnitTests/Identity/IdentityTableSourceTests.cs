using Gateway.Identity;

namespace Gateway.UnitTests.Identity;

public sealed class IdentityTableSourceTests
{
    [Fact]
    public void SameSettings_EqualListsInNewInstances_AreTheSame_AnotherAudienceIsNot()
    {
        var a = new JwtOptions { Issuer = "i", Audiences = ["x", "y"], JwksUrl = "https://i/jwks" };
        var b = new JwtOptions { Issuer = "i", Audiences = new List<string> { "x", "y" }, JwksUrl = "https://i/jwks", Algorithms = [.. a.Algorithms] };

        Assert.True(IdentityTableSource.SameSettings(a, b));
        Assert.False(IdentityTableSource.SameSettings(a, b with { Audiences = ["x"] }));
        Assert.False(IdentityTableSource.SameSettings(a, b with { ClockSkew = TimeSpan.Zero }));
    }
}
