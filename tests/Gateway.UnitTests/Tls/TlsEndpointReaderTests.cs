using System.Security.Authentication;
using Gateway.Configuration;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Tls;
using Gateway.Utilities;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Tls;

/// <summary>Certificates refused at validation, each with the file it came from, and the ones accepted.</summary>
public sealed class TlsEndpointReaderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly TestCertificates _files = new();

    private static X509Cert Valid(params string[] names) => new(TestCertificates.Create(names, Now.AddDays(-1), Now.AddDays(30)));

    private (TlsEndpointOptions? Options, IReadOnlyList<ConfigError> Errors) Read(params (string Key, string? Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Kestrel:Endpoints:tls:" + v.Key, v.Value)))
            .Build();
        var errors = new ConfigErrorList();
        var options = TlsEndpointReader.Read(configuration.GetSection("Kestrel:Endpoints:tls"), https: true, _files.Directory, Now, errors);
        return (options, errors.Errors);
    }

    [Fact]
    public void Read_PemPair_Accepted_Tls12And13ByDefault()
    {
        var (certificate, key) = _files.WritePem("a", Valid("a.test").Value);

        var (options, errors) = Read(("Certificate:Path", certificate), ("Certificate:KeyPath", key));

        Assert.Empty(errors);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options!.SslProtocols);
        Assert.Equal(certificate, options.Certificate!.Path);
    }

    [Fact]
    public void Read_RelativePaths_ResolvedAgainstTheContentRoot()
    {
        _files.WritePem("a", Valid("a.test").Value);

        var (options, errors) = Read(("Certificate:Path", "a.crt"), ("Certificate:KeyPath", "a.key"));

        Assert.Empty(errors);
        Assert.Equal(Path.Combine(_files.Directory, "a.key"), options!.Certificate!.KeyPath);
    }

    [Fact]
    public void Read_EncryptedPemKeyAndPfx_AcceptedWithTheirPasswords()
    {
        var (certificate, key) = _files.WritePem("enc", Valid("a.test").Value, password: "secret");
        var pfx = _files.WritePfx("b", Valid("b.test").Value, "secret");

        var (options, errors) = Read(
            ("Certificate:Path", certificate), ("Certificate:KeyPath", key), ("Certificate:Password", "secret"),
            ("Sni:b.test:Certificate:Path", pfx), ("Sni:b.test:Certificate:Password", "secret"));

        Assert.Empty(errors);
        Assert.Equal(pfx, options!.Sni["B.TEST"].Path);
    }

    [Fact]
    public void Read_ExpiredCertificate_RefusedNamingTheFile()
    {
        var expired = TestCertificates.Create(["old.test"], Now.AddDays(-30), Now.AddDays(-1));
        var (certificate, key) = _files.WritePem("old", expired);

        var (options, errors) = Read(("Certificate:Path", certificate), ("Certificate:KeyPath", key));

        Assert.Null(options);
        var error = Assert.Single(errors);
        Assert.Equal("Kestrel:Endpoints:tls:Certificate:Path", error.Path);
        Assert.Equal($"'{certificate}': the certificate (CN=old.test) expired on {Now.AddDays(-1).UtcDateTime:u}.", error.Reason);
    }

    [Fact]
    public void Read_NotYetValid_Refused()
    {
        var (certificate, key) = _files.WritePem("new", TestCertificates.Create(["new.test"], Now.AddDays(1), Now.AddDays(30)));

        var error = Assert.Single(Read(("Certificate:Path", certificate), ("Certificate:KeyPath", key)).Errors);

        Assert.Contains("is not valid before", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyOfAnotherCertificate_RefusedNamingBothFiles()
    {
        var (certificate, _) = _files.WritePem("a", Valid("a.test").Value);
        var (_, otherKey) = _files.WritePem("b", Valid("b.test").Value);

        var error = Assert.Single(Read(("Certificate:Path", certificate), ("Certificate:KeyPath", otherKey)).Errors);

        Assert.Equal("Kestrel:Endpoints:tls:Certificate:Path", error.Path);
        Assert.StartsWith($"'{certificate}' with key '{otherKey}' cannot be read as a certificate and its key", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_RefusedNamingIt()
    {
        var missing = Path.Combine(_files.Directory, "none.pem");

        var error = Assert.Single(Read(("Certificate:Path", missing)).Errors);

        Assert.StartsWith($"'{missing}' cannot be read", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CertificateWithoutKey_RefusedAskingForKeyPath()
    {
        var (certificate, _) = _files.WritePem("a", Valid("a.test").Value);

        var error = Assert.Single(Read(("Certificate:Path", certificate)).Errors);

        Assert.StartsWith($"'{certificate}' cannot be read as a certificate with its key", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ClientCertificate_RefusedForServerUse()
    {
        var (certificate, key) = _files.WritePem("client", TestCertificates.Create(["c.test"], Now.AddDays(-1), Now.AddDays(1), serverAuth: false));

        var error = Assert.Single(Read(("Certificate:Path", certificate), ("Certificate:KeyPath", key)).Errors);

        Assert.Contains("is not for server authentication", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tls11")]
    [InlineData("Ssl3")]
    [InlineData("None")]
    public void Read_OldTlsVersion_Refused(string version)
    {
        var (certificate, key) = _files.WritePem("a", Valid("a.test").Value);

        var error = Assert.Single(Read(("Certificate:Path", certificate), ("Certificate:KeyPath", key), ("SslProtocols:0", version)).Errors);

        Assert.Equal("Kestrel:Endpoints:tls:SslProtocols", error.Path);
        Assert.Equal($"'{version}' is not allowed; TLS 1.2 and 1.3 only (Tls12, Tls13).", error.Reason);
    }

    [Fact]
    public void Read_Tls13Only_Kept()
    {
        var (certificate, key) = _files.WritePem("a", Valid("a.test").Value);

        var (options, errors) = Read(("Certificate:Path", certificate), ("Certificate:KeyPath", key), ("SslProtocols", "Tls13"));

        Assert.Empty(errors);
        Assert.Equal(SslProtocols.Tls13, options!.SslProtocols);
    }

    [Fact]
    public void Read_CertificateStoreKeys_Refused()
    {
        var error = Assert.Single(Read(("Certificate:Subject", "CN=a"), ("Certificate:Path", "x")).Errors, e => e.Path.EndsWith("Subject", StringComparison.Ordinal));

        Assert.StartsWith("unknown key; a Certificate has Path, KeyPath, Password", error.Reason, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();

    private sealed record X509Cert(System.Security.Cryptography.X509Certificates.X509Certificate2 Value);
}
