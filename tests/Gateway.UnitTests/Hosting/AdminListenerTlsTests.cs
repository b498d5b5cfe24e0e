using Gateway.Configuration;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Utilities;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Hosting;

/// <summary>
/// The admin listener's TLS (<c>Gateway:Admin:Certificate</c>, <c>SslProtocols</c>): bound from the section as a
/// proxy endpoint's, and its certificate refused at start with its file like one.
/// </summary>
public sealed class AdminListenerTlsTests : IDisposable
{
    private readonly TestCertificates _files = new();

    private (GatewayListeners Listeners, IReadOnlyList<ConfigError> Errors) Read(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
        var errors = new ConfigErrorList();
        return (GatewayListeners.From(configuration, _files.Directory, TimeProvider.System, errors), errors.Errors);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) => new ConfigurationBuilder()
        .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
        .Build();

    [Fact]
    public void From_HttpsAdminWithCertificate_BoundWithTls_NamedAfterTheSection()
    {
        _files.WritePem("admin", TestCertificates.Create(["admin.test"]));

        var (listeners, errors) = Read(
            ("Gateway:Admin:Urls", "https://127.0.0.1:9443;http://127.0.0.1:9901"),
            ("Gateway:Admin:Certificate:Path", "admin.crt"),
            ("Gateway:Admin:Certificate:KeyPath", "admin.key"));

        Assert.Empty(errors);
        Assert.Equal([true, false], listeners.Admin.Select(a => a.Https));
        Assert.Equal("Gateway:Admin", listeners.AdminTls!.Endpoint);
        Assert.Equal(Path.Combine(_files.Directory, "admin.key"), listeners.AdminTls.Certificate!.KeyPath);
    }

    [Fact]
    public void From_HttpsAdminOnAProxyPort_Refused()
    {
        _files.WritePem("admin", TestCertificates.Create(["admin.test"]));

        var (_, errors) = Read(
            ("Kestrel:Endpoints:tls:Url", "http://127.0.0.1:9443"),
            ("Gateway:Admin:Urls", "https://127.0.0.1:9443"),
            ("Gateway:Admin:Certificate:Path", "admin.crt"),
            ("Gateway:Admin:Certificate:KeyPath", "admin.key"));

        var error = Assert.Single(errors);
        Assert.Equal(("Gateway:Admin:Urls", "port 9443 is also a proxy listener port (Kestrel:Endpoints:tls:Url); the admin listener needs its own."), (error.Path, error.Reason));
    }

    [Fact]
    public void From_HttpAdmin_NoTls()
    {
        var (listeners, errors) = Read(("Gateway:Admin:Urls", "http://127.0.0.1:9901"));

        Assert.Empty(errors);
        Assert.Null(listeners.AdminTls);
    }

    [Fact]
    public void From_ExpiredAdminCertificate_RefusedNamingTheFile_HttpsListenerLeftOut()
    {
        var (certificate, key) = _files.WritePem("old", TestCertificates.Create(["old.test"], DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1)));

        var (listeners, errors) = Read(
            ("Gateway:Admin:Urls", "https://127.0.0.1:9443"),
            ("Gateway:Admin:Certificate:Path", certificate),
            ("Gateway:Admin:Certificate:KeyPath", key));

        var error = Assert.Single(errors);
        Assert.Equal("Gateway:Admin:Certificate:Path", error.Path);
        Assert.StartsWith($"'{certificate}': the certificate (CN=old.test) expired on", error.Reason, StringComparison.Ordinal);
        Assert.Empty(listeners.Admin);
        Assert.Null(listeners.AdminTls);
    }

    [Fact]
    public void From_AdminKeyOfAnotherCertificate_RefusedNamingBothFiles()
    {
        var (certificate, _) = _files.WritePem("a", TestCertificates.Create(["a.test"]));
        var (_, otherKey) = _files.WritePem("b", TestCertificates.Create(["b.test"]));

        var (_, errors) = Read(
            ("Gateway:Admin:Urls", "https://127.0.0.1:9443"),
            ("Gateway:Admin:Certificate:Path", certificate),
            ("Gateway:Admin:Certificate:KeyPath", otherKey));

        var error = Assert.Single(errors);
        Assert.Equal("Gateway:Admin:Certificate:Path", error.Path);
        Assert.StartsWith($"'{certificate}' with key '{otherKey}' cannot be read as a certificate and its key", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_UnreadableAdminCertificate_RefusedNamingIt()
    {
        var missing = Path.Combine(_files.Directory, "none.pem");

        var (_, errors) = Read(("Gateway:Admin:Urls", "https://127.0.0.1:9443"), ("Gateway:Admin:Certificate:Path", missing));

        var error = Assert.Single(errors);
        Assert.Equal("Gateway:Admin:Certificate:Path", error.Path);
        Assert.StartsWith($"'{missing}' cannot be read", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void From_AdminSslProtocolsTls11_Refused()
    {
        _files.WritePem("admin", TestCertificates.Create(["admin.test"]));

        var (_, errors) = Read(
            ("Gateway:Admin:Urls", "https://127.0.0.1:9443"),
            ("Gateway:Admin:Certificate:Path", "admin.crt"),
            ("Gateway:Admin:Certificate:KeyPath", "admin.key"),
            ("Gateway:Admin:SslProtocols:0", "Tls11"));

        var error = Assert.Single(errors);
        Assert.Equal(("Gateway:Admin:SslProtocols", "'Tls11' is not allowed; TLS 1.2 and 1.3 only (Tls12, Tls13)."), (error.Path, error.Reason));
    }

    [Fact]
    public void Bind_SslProtocolsList_Bound_OneValueAndUnknownCertificateKeyRefused()
    {
        var list = GatewayOptionsReader.Read(Config(("Gateway:Admin:SslProtocols:0", "Tls13"), ("Gateway:Admin:SslProtocols:1", "Tls12")), new ConfigErrorList());
        var singleErrors = new ConfigErrorList();
        var single = GatewayOptionsReader.Read(Config(("Gateway:Admin:SslProtocols", "Tls13")), singleErrors);
        var unknownErrors = new ConfigErrorList();
        var unknown = GatewayOptionsReader.Read(Config(("Gateway:Admin:Certificate:Subject", "CN=a")), unknownErrors);

        Assert.Equal(["Tls13", "Tls12"], list!.Admin.SslProtocols!);
        Assert.Null(single);
        Assert.StartsWith("Failed to convert configuration value 'Tls13'", Assert.Single(singleErrors.Errors).Reason, StringComparison.Ordinal);
        Assert.Null(unknown);
        Assert.Contains("Subject", Assert.Single(unknownErrors.Errors).Reason, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
