using Gateway.Hosting;

namespace Gateway.UnitTests.Hosting;

public sealed class GatewayCommandLineTests
{
    [Fact]
    public void Parse_Validate_TakesTheFile()
    {
        var cli = GatewayCommandLine.Parse(["validate", "x.json"], out _)!;
        Assert.Equal("x.json", cli.ValidateFile);
    }

    [Fact]
    public void Parse_ConfigBothForms_IsRemovedFromHostArgs()
    {
        var spaced = GatewayCommandLine.Parse(["--config", "a.json", "--urls", "http://127.0.0.1:1"], out _)!;
        var joined = GatewayCommandLine.Parse(["--config=b.json"], out _)!;

        Assert.Equal("a.json", spaced.ConfigFile);
        Assert.Equal(["--urls", "http://127.0.0.1:1"], spaced.HostArgs);
        Assert.Equal("b.json", joined.ConfigFile);
        Assert.Empty(joined.HostArgs);
    }

    [Theory]
    [InlineData(new[] { "--config" }, "--config needs a file")]
    [InlineData(new[] { "validate" }, "exactly one file")]
    [InlineData(new[] { "validate", "a", "b" }, "exactly one file")]
    public void Parse_Incomplete_ReturnsError(string[] args, string message)
    {
        Assert.Null(GatewayCommandLine.Parse(args, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutUrls_BothForms_TakesTheLastValueOutAndKeepsTheRest()
    {
        var rest = GatewayCommandLine.WithoutUrls(["--urls", "http://127.0.0.1:1", "--Gateway:Admin:Urls=http://127.0.0.1:2", "--URLS=http://127.0.0.1:3"], out var urls);

        Assert.Equal("http://127.0.0.1:3", urls);
        Assert.Equal(["--Gateway:Admin:Urls=http://127.0.0.1:2"], rest);
    }

    [Fact]
    public void WithoutUrls_None_LeavesTheArgumentsAlone()
    {
        Assert.Equal(["--Logging:LogLevel:Default=Warning"], GatewayCommandLine.WithoutUrls(["--Logging:LogLevel:Default=Warning"], out var urls));
        Assert.Null(urls);
    }
}
