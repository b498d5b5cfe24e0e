using System.Security.Authentication;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Tls;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Tls;

/// <summary>Choosing a certificate by server name, and replacing the set when its files change.</summary>
public sealed class TlsCertificatesTests : IDisposable
{
    private readonly TestCertificates _files = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private CertificateFile Pem(string name, DateTimeOffset? notAfter = null)
    {
        var (certificate, key) = _files.WritePem(name, TestCertificates.Create([name], _time.GetUtcNow().AddDays(-1), notAfter ?? _time.GetUtcNow().AddDays(30)), replace: true);
        return new CertificateFile(certificate, key, null);
    }

    private TlsCertificates Create(CertificateFile? fallback, params (string Host, CertificateFile File)[] sni) =>
        TlsCertificates.Create(
            new TlsEndpointOptions("tls", fallback, sni.ToDictionary(s => s.Host, s => s.File, StringComparer.OrdinalIgnoreCase), TlsConstants.AllowedSslProtocols),
            _time,
            NullLogger.Instance,
            watch: false);

    private static string? Subject(TlsCertificates certificates, string? serverName) =>
        certificates.OptionsFor(serverName, []).ServerCertificateContext!.TargetCertificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);

    [Fact]
    public void OptionsFor_ExactWildcardAndFallback()
    {
        using var certificates = Create(
            Pem("default.test"),
            ("a.test", Pem("a.test")),
            ("*.b.test", Pem("wild.b.test")),
            ("*.x.b.test", Pem("wild.x.b.test")));

        Assert.Equal("a.test", Subject(certificates, "A.TEST"));
        Assert.Equal("wild.b.test", Subject(certificates, "api.b.test"));
        Assert.Equal("wild.x.b.test", Subject(certificates, "api.x.b.test"));
        Assert.Equal("default.test", Subject(certificates, "b.test"));
        Assert.Equal("default.test", Subject(certificates, null));
    }

    [Fact]
    public void OptionsFor_NoMatchAndNoFallback_HandshakeRefused()
    {
        using var certificates = Create(null, ("a.test", Pem("a.test")));

        Assert.Throws<AuthenticationException>(() => certificates.OptionsFor("c.test", []));
    }

    [Fact]
    public void OptionsFor_Tls12And13AndTheListenersAlpn()
    {
        using var certificates = Create(Pem("a.test"));
        List<System.Net.Security.SslApplicationProtocol> alpn = [System.Net.Security.SslApplicationProtocol.Http2];

        var options = certificates.OptionsFor("a.test", alpn);

        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);
        Assert.Same(alpn, options.ApplicationProtocols);
        Assert.False(options.AllowRenegotiation);
    }

    [Fact]
    public void Reload_NewFiles_NewCertificate()
    {
        using var certificates = Create(Pem("a.test"));
        var before = certificates.OptionsFor(null, []).ServerCertificateContext!.TargetCertificate.Thumbprint;

        Pem("a.test");
        certificates.Reload();

        Assert.NotEqual(before, certificates.OptionsFor(null, []).ServerCertificateContext!.TargetCertificate.Thumbprint);
        Assert.Equal(1, certificates.Reloads);
    }

    [Fact]
    public void Reload_KeyNotYetWritten_KeepsTheOldPair()
    {
        var file = Pem("a.test");
        using var certificates = Create(file);
        var before = certificates.OptionsFor(null, []).ServerCertificateContext!.TargetCertificate.Thumbprint;

        // A renewal tool writes the certificate first; until the key follows, the pair does not match.
        var renewed = TestCertificates.Create(["a.test"], _time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(60));
        File.WriteAllText(file.Path, renewed.ExportCertificatePem());
        certificates.Reload();

        Assert.Equal(before, certificates.OptionsFor(null, []).ServerCertificateContext!.TargetCertificate.Thumbprint);
        Assert.Equal(0, certificates.Reloads);
    }

    [Fact]
    public void Reload_ExpiredRenewal_KeepsTheOldCertificate()
    {
        using var certificates = Create(Pem("a.test", notAfter: _time.GetUtcNow().AddDays(30)));

        Pem("a.test", notAfter: _time.GetUtcNow().AddHours(1));
        _time.Advance(TimeSpan.FromHours(2));
        certificates.Reload();

        Assert.Equal(0, certificates.Reloads);
    }

    [Fact]
    public void Reload_SameFilesTouched_NotCountedAsAChange()
    {
        var file = Pem("a.test");
        using var certificates = Create(file);

        File.SetLastWriteTimeUtc(file.Path, _time.GetUtcNow().UtcDateTime);
        certificates.Reload();

        Assert.Equal(0, certificates.Reloads);
    }

    public void Dispose() => _files.Dispose();
}
