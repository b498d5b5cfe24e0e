namespace Gateway.UnitTests.Hosting;

/// <summary>
/// Start-up refusals found in process, before a host is built: no gateway process, no listener (the validate
/// command and real starts are in FunctionalTests).
/// </summary>
public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-validate-").FullName;

    private string Write(string name, string json)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Start_BrokenJson_ReportsTheFile()
    {
        Write("appsettings.json", "{ \"ReverseProxy\": ");

        var (app, errors) = await GatewayApp.BuildAsync(["--contentRoot", _directory, "--urls", "http://127.0.0.1:0"]);

        Assert.Null(app);
        Assert.Contains(Path.Combine(_directory, "appsettings.json"), Assert.Single(errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingOverlay_IsAnError()
    {
        var (app, errors) = await GatewayApp.BuildAsync(["--contentRoot", _directory], Path.Combine(_directory, "none.json"));

        Assert.Null(app);
        Assert.Equal("--config", Assert.Single(errors).Path);
    }

    [Fact]
    public async Task Validate_KestrelEndpointOnTheAdminPort_ExitsOneNamingBothKeys()
    {
        var file = Write("edge.json", """
            { "Kestrel": { "Endpoints": { "web": { "Url": "http://127.0.0.1:9901", "Protocols": "Http1" },
                                          "grpc": { "Url": "http://127.0.0.1:9902", "Protocols": "Http3" } } } }
            """);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await Gateway.Hosting.ValidateCommand.RunAsync(file, stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Contains("Kestrel:Endpoints:grpc:Protocols", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("port 9901 is also a proxy listener port (Kestrel:Endpoints:web:Url)", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ExpiredAdminCertificate_ExitsOneNamingTheFile()
    {
        using var certificates = new Gateway.FunctionalTests.Fixtures.TestCertificates();
        var (certificate, key) = certificates.WritePem("admin", Gateway.FunctionalTests.Fixtures.TestCertificates.Create(
            ["admin.test"], DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1)));
        File.Copy(certificate, Path.Combine(_directory, "admin.crt"));
        File.Copy(key, Path.Combine(_directory, "admin.key"));
        // Relative paths: the file's folder is the content root of validate, as of a start from that folder.
        var file = Write("admin-tls.json", """
            { "Gateway": { "Admin": { "Urls": "https://127.0.0.1:9443",
                                      "Certificate": { "Path": "admin.crt", "KeyPath": "admin.key" } } } }
            """);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await Gateway.Hosting.ValidateCommand.RunAsync(file, stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Contains($"Gateway:Admin:Certificate:Path: '{Path.Combine(_directory, "admin.crt")}': the certificate (CN=admin.test) expired on", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("1 error(s)", stderr.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
