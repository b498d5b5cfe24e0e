using Gateway.Configuration;

namespace Gateway.UnitTests.Configuration;

/// <summary>Which admin changes need a restart: compared by value, lists included (record equality compares them by reference).</summary>
public sealed class AdminOptionsTests
{
    private static AdminOptions Tls(string path, params string[] versions) => new()
    {
        Urls = "https://127.0.0.1:9443",
        Certificate = new ListenerCertificateOptions { Path = path },
        SslProtocols = versions.Length == 0 ? null : versions,
    };

    [Fact]
    public void SameListener_EqualListsInNewInstances_Same()
    {
        Assert.True(Tls("a.pfx", "Tls13").SameListener(Tls("a.pfx", "Tls13")));
        Assert.True(Tls("a.pfx").SameListener(Tls("a.pfx", "Tls12", "Tls13")));
    }

    [Fact]
    public void SameListener_ApiKeyChanged_Same()
    {
        Assert.True(Tls("a.pfx").SameListener(Tls("a.pfx") with { ApiKey = new string('k', 16) }));
    }

    [Theory]
    [InlineData("b.pfx", "Tls12")]
    [InlineData("a.pfx", "Tls13")]
    public void SameListener_CertificateOrVersionsChanged_NotSame(string path, string version)
    {
        Assert.False(Tls("a.pfx", "Tls12").SameListener(Tls(path, version)));
    }

    [Fact]
    public void SameListener_UrlsChanged_NotSame()
    {
        Assert.False(new AdminOptions().SameListener(new AdminOptions { Urls = "http://127.0.0.1:9902" }));
    }
}
