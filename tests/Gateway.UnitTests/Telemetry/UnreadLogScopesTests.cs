using Gateway.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.UnitTests.Telemetry;

public sealed class UnreadLogScopesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-scopes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("Logging:Console:FormatterOptions:IncludeScopes", "false", false)]
    [InlineData("Logging:Console:FormatterOptions:IncludeScopes", "true", true)]
    [InlineData("Logging:Console:IncludeScopes", "True", true)]
    [InlineData("Logging:Json:FormatterOptions:IncludeScopes", "true", true)]
    [InlineData("Other:IncludeScopes", "true", false)]
    public void Wanted_IncludeScopesUnderLogging_OnlyWhenTrue(string? key, string? value, bool expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(key is null ? [] : [new(key, value)])
            .Build();

        Assert.Equal(expected, UnreadLogScopes.Wanted(configuration));
    }

    [Fact]
    public void Push_AScope_ForEachScopeSeesNone()
    {
        using var scope = UnreadLogScopes.Instance.Push("connection");
        var seen = 0;

        UnreadLogScopes.Instance.ForEachScope((_, _) => seen++, 0);

        Assert.Equal(0, seen);
    }

    [Fact]
    public async Task BeginScope_GatewayWithoutIncludeScopes_LeavesTheExecutionContext()
    {
        var (app, errors) = await GatewayApp.BuildAsync(["--contentRoot", _directory, "--urls", "http://127.0.0.1:0"]);
        Assert.Empty(errors);
        await using var running = app!;
        var logger = running.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        var before = ExecutionContext.Capture();

        using var scope = logger.BeginScope("connection");

        // The default provider would write an AsyncLocal here, which replaces the execution context.
        Assert.Same(before, ExecutionContext.Capture());
    }

    [Fact]
    public async Task BeginScope_GatewayWithIncludeScopes_KeepsScopes()
    {
        var (app, errors) = await GatewayApp.BuildAsync(["--contentRoot", _directory, "--urls", "http://127.0.0.1:0", "--Logging:Console:FormatterOptions:IncludeScopes=true"]);
        Assert.Empty(errors);
        await using var running = app!;
        var logger = running.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        var before = ExecutionContext.Capture();

        using var scope = logger.BeginScope("connection");

        Assert.NotSame(before, ExecutionContext.Capture());
    }
}
