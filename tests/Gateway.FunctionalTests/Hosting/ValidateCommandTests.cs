using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Hosting;

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
    public async Task Validate_RepositoryDemoConfig_ExitsZero()
    {
        var (exit, stdout, stderr) = await ProcessRunner.RunGatewayAsync(RepoPaths.Root, "validate", "appsettings.json");

        Assert.True(exit == 0, stderr);
        Assert.Contains("appsettings.json: valid (3 routes, 1 cluster)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_InvalidConfig_ExitsOneListingEveryErrorAsPathReason()
    {
        var file = Write("bad.json", """
            { "ReverseProxy": {
                "Routes": { "r1": { "ClusterId": "c1", "Match": { "Path": "/x" }, "Metadata": { "Priority": "urgent" } } },
                "Clusters": { "c1": { "Metadata": { "FailoverPolicy": "nope" },
                  "Destinations": { "d1": { "Address": "http://127.0.0.1:1/" } } } } },
              "Gateway": { "Resilience": { "Policies": { "p": { "Timeout": "-00:00:01" } } } } }
            """);

        var (exit, _, stderr) = await ProcessRunner.RunGatewayAsync(_directory, "validate", file);

        Assert.Equal(1, exit);
        Assert.Contains("ReverseProxy:Routes:r1:Metadata:Priority: must be one of critical, default, sheddable (was 'urgent').", stderr, StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:Clusters:c1:Metadata:FailoverPolicy: policy 'nope' does not exist under Gateway:Failover:Policies.", stderr, StringComparison.Ordinal);
        Assert.Contains("Gateway:Resilience:Policies:p:Timeout: must be between", stderr, StringComparison.Ordinal);
        Assert.Contains("3 error(s); configuration is invalid.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_BrokenJson_ExitsOneWithTheFileAndLine()
    {
        var file = Write("broken.json", "{ \"ReverseProxy\": { \"Routes\": { ,, } }");

        var (exit, _, stderr) = await ProcessRunner.RunGatewayAsync(_directory, "validate", file);

        Assert.Equal(1, exit);
        Assert.Contains($"{file}: cannot be read as JSON", stderr, StringComparison.Ordinal);
        Assert.Contains("LineNumber: 0", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsOne()
    {
        var (exit, _, stderr) = await ProcessRunner.RunGatewayAsync(_directory, "validate", "nowhere.json");

        Assert.Equal(1, exit);
        Assert.Contains("nowhere.json: file not found.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidConfig_ExitsNonZeroListingEveryError()
    {
        Write("appsettings.json", """
            { "ReverseProxy": { "Routes": { "r1": { "ClusterId": "missing", "Match": { "Path": "/x" } } } },
              "Gateway": { "Admin": { "Urls": "http://0.0.0.0:0" }, "Failover": { "Policies": { "p": { "Regions": [] } } } } }
            """);

        var (exit, _, stderr) = await ProcessRunner.RunGatewayAsync(_directory, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, exit);
        Assert.Contains("The gateway did not start: its configuration is invalid.", stderr, StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:Routes:r1:ClusterId: cluster 'missing' does not exist", stderr, StringComparison.Ordinal);
        Assert.Contains("Gateway:Admin:ApiKey: is required", stderr, StringComparison.Ordinal);
        Assert.Contains("Gateway:Failover:Policies:p:Regions: must list at least one region", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadUsage_ExitsTwo()
    {
        var (exit, _, stderr) = await ProcessRunner.RunGatewayAsync(_directory, "--config");

        Assert.Equal(2, exit);
        Assert.Contains("usage:", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
