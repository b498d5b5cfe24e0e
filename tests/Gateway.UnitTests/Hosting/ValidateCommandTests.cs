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

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
