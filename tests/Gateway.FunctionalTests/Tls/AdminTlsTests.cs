using System.Net;
using System.Net.Security;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Tls;

/// <summary>
/// The admin listener over TLS (<c>https://</c> in <c>Gateway:Admin:Urls</c> with <c>Gateway:Admin:Certificate</c>),
/// with certificates made in the test: its endpoints answer over HTTPS with the admin key still required, plain HTTP
/// is not served on its port, its certificate reloads from disk, a bad one stops the gateway naming the file, and the
/// proxy listener is unaffected.
/// </summary>
public sealed class AdminTlsTests : IDisposable
{
    private const string ApiKey = "admin-key-0123456789";
    private readonly TestCertificates _files = new();

    private static async Task<(GatewayTestHost Gateway, Uri AdminUrl)> StartAsync(global::SampleBackend.SampleBackendHost backends, JsonObject certificate)
    {
        var adminUrl = new Uri($"https://127.0.0.1:{FreePort.Next()}/");
        var config = TestConfig.SingleCluster(backends.Instances);
        config["Gateway"] = new JsonObject
        {
            ["Admin"] = new JsonObject
            {
                ["Urls"] = adminUrl.GetLeftPart(UriPartial.Authority),
                ["ApiKey"] = ApiKey,
                ["Certificate"] = certificate,
            },
        };
        return (await GatewayTestHost.StartAsync(config), adminUrl);
    }

    private static JsonObject Certificate((string Certificate, string Key) files, string? password = null)
    {
        var certificate = new JsonObject { ["Path"] = files.Certificate, ["KeyPath"] = files.Key };
        if (password is not null)
        {
            certificate["Password"] = password;
        }

        return certificate;
    }

    [Fact]
    public async Task AdminOverHttps_EndpointsAnswer_KeyStillRequired_ProxyRoutesNotServedThere()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var (gateway, adminUrl) = await StartAsync(backends, Certificate(_files.WritePem("admin", TestCertificates.Create(["admin.test"]), password: "key-passphrase"), "key-passphrase"));
        await using var _ = gateway;
        using var client = TlsClient.Http(HttpVersion.Version11);
        var admin = $"https://admin.test:{adminUrl.Port}";

        using var health = await client.GetAsync($"{admin}/healthz");
        using var withoutKey = await client.GetAsync($"{admin}/admin/config");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{admin}/admin/config") { Headers = { { "X-Admin-Key", ApiKey } } };
        using var withKey = await client.SendAsync(request);
        // The connection is marked admin below TLS: a proxy route is not matched on the admin port.
        using var proxyPath = await client.GetAsync($"{admin}/api/x");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, proxyPath.StatusCode);
        using var config = JsonDocument.Parse(await withKey.Content.ReadAsStringAsync());
        var certificate = config.RootElement.GetProperty("effective").GetProperty("Gateway").GetProperty("Admin").GetProperty("Certificate");
        Assert.Equal("(redacted)", certificate.GetProperty("Password").GetString());
        Assert.DoesNotContain("key-passphrase", config.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminOverHttps_PlainHttpNotServed_AlpnOffersH2_ProxyListenerUnaffected()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var (gateway, adminUrl) = await StartAsync(backends, Certificate(_files.WritePem("admin", TestCertificates.Create(["admin.test"]))));
        await using var _ = gateway;

        var plain = await RawHttp.SendAsync(adminUrl, "GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        using var h2 = await TlsClient.HandshakeAsync(adminUrl, "admin.test", [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
        using var overH2Client = TlsClient.Http(HttpVersion.Version20);
        using var overH2 = await overH2Client.GetAsync($"https://admin.test:{adminUrl.Port}/healthz");
        var (proxied, echo) = await gateway.GetAsync("/api/x");
        using var proxiedResponse = proxied;
        using var healthOnProxy = await gateway.Proxy.GetAsync("/healthz");

        // The handshake fails on the request line and the connection is closed without an HTTP answer.
        Assert.Equal(string.Empty, plain);
        Assert.Equal(SslApplicationProtocol.Http2, h2.Alpn);
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (overH2.StatusCode, overH2.Version));
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal("eu-1", echo!.Instance);
        Assert.Equal(HttpStatusCode.NotFound, healthOnProxy.StatusCode);
    }

    [Fact]
    public async Task AdminCertificateReplacedOnDisk_NewHandshakesGetIt()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var first = TestCertificates.Create(["admin.test"]);
        var (gateway, adminUrl) = await StartAsync(backends, Certificate(_files.WritePem("admin", first)));
        await using var _ = gateway;
        using (var before = await TlsClient.HandshakeAsync(adminUrl, "admin.test"))
        {
            Assert.Equal(first.Thumbprint, before.Certificate.Thumbprint);
        }

        var renewed = TestCertificates.Create(["admin.test"]);
        _files.WritePem("admin", renewed, replace: true);

        await Eventually.TrueAsync(async () =>
        {
            using var fresh = await TlsClient.HandshakeAsync(adminUrl, "admin.test");
            return fresh.Certificate.Thumbprint == renewed.Thumbprint;
        });
    }

    [Fact]
    public async Task ExpiredAdminCertificate_GatewayDoesNotStart_NamingTheFile()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var expired = _files.WritePem("old", TestCertificates.Create(["admin.test"], DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1)));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(backends, Certificate(expired)));

        Assert.Contains($"Gateway:Admin:Certificate:Path: '{expired.Certificate}': the certificate (CN=admin.test) expired on", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MismatchedAdminKey_GatewayDoesNotStart_NamingBothFiles()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var (certificate, _) = _files.WritePem("a", TestCertificates.Create(["admin.test"]));
        var (_, otherKey) = _files.WritePem("b", TestCertificates.Create(["other.test"]));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(backends, Certificate((certificate, otherKey))));

        Assert.Contains($"Gateway:Admin:Certificate:Path: '{certificate}' with key '{otherKey}' cannot be read", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
