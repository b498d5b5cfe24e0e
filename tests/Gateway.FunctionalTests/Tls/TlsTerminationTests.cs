using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Tls;

/// <summary>
/// https listeners under <c>Kestrel:Endpoints</c> with certificates made in the test: ALPN, SNI, TLS versions, and a
/// certificate replaced on disk while connections are open.
/// </summary>
public sealed class TlsTerminationTests : IDisposable
{
    private readonly TestCertificates _files = new();

    private static JsonObject Certificate((string Certificate, string Key) files) => new() { ["Path"] = files.Certificate, ["KeyPath"] = files.Key };

    private static async Task<(GatewayTestHost Gateway, Uri Url)> StartAsync(global::SampleBackend.SampleBackendHost backends, JsonObject endpoint)
    {
        var url = new Uri($"https://127.0.0.1:{FreePort.Next()}/");
        endpoint["Url"] = url.GetLeftPart(UriPartial.Authority);
        var config = TestConfig.SingleCluster(backends.Instances);
        config["Kestrel"] = new JsonObject { ["Endpoints"] = new JsonObject { ["tls"] = endpoint } };
        return (await GatewayTestHost.StartWithKestrelAsync(config, url), url);
    }

    [Fact]
    public async Task Alpn_OnePort_OffersH2AndHttp11_ServesBoth()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var (gateway, url) = await StartAsync(backends, new JsonObject { ["Certificate"] = Certificate(_files.WritePem("gw", TestCertificates.Create(["gw.test"]))) });
        await using var _ = gateway;

        using var h2 = await TlsClient.HandshakeAsync(url, "gw.test", [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
        using var http11 = await TlsClient.HandshakeAsync(url, "gw.test", [SslApplicationProtocol.Http11]);
        using var h2Client = TlsClient.Http(HttpVersion.Version20);
        using var http11Client = TlsClient.Http(HttpVersion.Version11);
        using var overH2 = await h2Client.GetAsync($"https://gw.test:{url.Port}/api/x");
        using var overHttp11 = await http11Client.GetAsync($"https://gw.test:{url.Port}/api/x");

        Assert.Equal(SslApplicationProtocol.Http2, h2.Alpn);
        Assert.Equal(SslApplicationProtocol.Http11, http11.Alpn);
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (overH2.StatusCode, overH2.Version));
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version11), (overHttp11.StatusCode, overHttp11.Version));
    }

    [Fact]
    public async Task Sni_TwoNames_EachGetsItsCertificate_OthersTheDefault()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var endpoint = new JsonObject
        {
            ["Certificate"] = Certificate(_files.WritePem("default", TestCertificates.Create(["default.test"]))),
            ["Sni"] = new JsonObject
            {
                ["a.test"] = new JsonObject { ["Certificate"] = Certificate(_files.WritePem("a", TestCertificates.Create(["a.test"]))) },
                ["b.test"] = new JsonObject { ["Certificate"] = Certificate(_files.WritePem("b", TestCertificates.Create(["b.test"]))) },
            },
        };
        var (gateway, url) = await StartAsync(backends, endpoint);
        await using var _ = gateway;

        using var a = await TlsClient.HandshakeAsync(url, "a.test");
        using var b = await TlsClient.HandshakeAsync(url, "B.test");
        using var other = await TlsClient.HandshakeAsync(url, "c.test");
        using var client = TlsClient.Http(HttpVersion.Version11);
        using var response = await client.GetAsync($"https://b.test:{url.Port}/api/x");

        Assert.Equal(("a.test", "b.test", "default.test"), (a.Name, b.Name, other.Name));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SslProtocols_Tls13Only_RefusesTls12Clients()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var endpoint = new JsonObject
        {
            ["Certificate"] = Certificate(_files.WritePem("gw", TestCertificates.Create(["gw.test"]))),
            ["SslProtocols"] = new JsonArray("Tls13"),
        };
        var (gateway, url) = await StartAsync(backends, endpoint);
        await using var _ = gateway;

        using var tls13 = await TlsClient.HandshakeAsync(url, "gw.test", protocols: SslProtocols.Tls13);
        var tls12 = await Record.ExceptionAsync(() => TlsClient.HandshakeAsync(url, "gw.test", protocols: SslProtocols.Tls12));

        Assert.Equal(SslProtocols.Tls13, tls13.Version);
        Assert.True(tls12 is AuthenticationException or IOException, $"{tls12}");
    }

    [Fact]
    public async Task DefaultVersions_Tls12And13Accepted()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var (gateway, url) = await StartAsync(backends, new JsonObject { ["Certificate"] = Certificate(_files.WritePem("gw", TestCertificates.Create(["gw.test"]))) });
        await using var _ = gateway;

        using var tls12 = await TlsClient.HandshakeAsync(url, "gw.test", protocols: SslProtocols.Tls12);
        using var tls13 = await TlsClient.HandshakeAsync(url, "gw.test", protocols: SslProtocols.Tls13);

        Assert.Equal((SslProtocols.Tls12, SslProtocols.Tls13), (tls12.Version, tls13.Version));
    }

    [Fact]
    public async Task CertificateReplacedOnDisk_NewHandshakesGetIt_OpenConnectionKeepsServing()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var first = TestCertificates.Create(["gw.test"]);
        var (gateway, url) = await StartAsync(backends, new JsonObject { ["Certificate"] = Certificate(_files.WritePem("gw", first)) });
        await using var _ = gateway;
        using var open = await TlsClient.HandshakeAsync(url, "gw.test");
        Assert.Equal("HTTP/1.1 200 OK", await TlsClient.GetOnAsync(open, "/api/x"));

        // Renewed as certbot does it: a new pair renamed over the old files, certificate first.
        var renewed = TestCertificates.Create(["gw.test"]);
        _files.WritePem("gw", renewed, replace: true);
        await Eventually.TrueAsync(async () =>
        {
            using var fresh = await TlsClient.HandshakeAsync(url, "gw.test");
            return fresh.Certificate.Thumbprint == renewed.Thumbprint;
        });

        Assert.Equal(first.Thumbprint, open.Certificate.Thumbprint);
        Assert.Equal("HTTP/1.1 200 OK", await TlsClient.GetOnAsync(open, "/api/x"));
    }

    [Fact]
    public async Task ConnectionCap_AppliesBeforeTheHandshake()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var url = new Uri($"https://127.0.0.1:{FreePort.Next()}/");
        var config = TestConfig.SingleCluster(backends.Instances);
        config["Gateway"] = new JsonObject { ["Limits"] = new JsonObject { ["MaxConcurrentConnections"] = 1 } };
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject
            {
                ["tls"] = new JsonObject { ["Url"] = url.GetLeftPart(UriPartial.Authority), ["Certificate"] = Certificate(_files.WritePem("gw", TestCertificates.Create(["gw.test"]))) },
            },
        };
        await using var gateway = await GatewayTestHost.StartWithKestrelAsync(config, url);
        using var held = await TlsClient.HandshakeAsync(url, "gw.test");

        var refused = await Record.ExceptionAsync(() => TlsClient.HandshakeAsync(url, "gw.test"));

        Assert.True(refused is AuthenticationException or IOException, $"{refused}");
    }

    [Fact]
    public async Task Grpc_OverTls_H2ByAlpn()
    {
        await using var backend = await GrpcBackend.StartAsync();
        var url = new Uri($"https://127.0.0.1:{FreePort.Next()}/");
        var config = Grpc.GrpcTestConfig.Config(backend.Url);
        config["Kestrel"] = new JsonObject
        {
            ["Endpoints"] = new JsonObject
            {
                ["tls"] = new JsonObject { ["Url"] = url.GetLeftPart(UriPartial.Authority), ["Certificate"] = Certificate(_files.WritePem("gw", TestCertificates.Create(["gw.test"]))) },
            },
        };
        await using var gateway = await GatewayTestHost.StartWithKestrelAsync(config, url);
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(
            $"https://gw.test:{url.Port}", new global::Grpc.Net.Client.GrpcChannelOptions { HttpHandler = TlsClient.Handler() });

        Assert.Equal("hello tls", await Grpc.GrpcTestConfig.SayAsync(channel, "tls"));
    }

    public void Dispose() => _files.Dispose();
}
