using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Limits;

/// <summary>
/// Gateway:Limits:InlineSocketCompletions in the real gateway process: on by default, off by config, and an operator's
/// own DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS wins; whichever way it runs, requests are proxied. Whether the
/// runtime took it is read from the process's threads: with inline completions the socket engine runs one thread per
/// core (".NET Sockets"), without them one for up to a few dozen cores.
/// </summary>
public sealed class InlineSocketCompletionsTests
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string Category = "Gateway.Limits.InlineSocketCompletions";
    private const string EngineThread = ".NET Sockets";
    private const int Requests = 200;
    private const int Concurrency = 16;

    [Fact]
    public async Task NoSetting_RunsInlineAndProxiesConcurrentRequests()
    {
        var (output, engines) = await RunAsync(configured: null, environment: null);

        Assert.Contains("Socket completions run on the socket engine's threads: True (decided by Gateway:Limits:InlineSocketCompletions)", output, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessorCount, engines);
    }

    [Fact]
    public async Task ConfigFalse_RunsOnTheThreadPool()
    {
        var (output, engines) = await RunAsync(configured: false, environment: null);

        Assert.Contains("Socket completions run on the socket engine's threads: False (decided by Gateway:Limits:InlineSocketCompletions)", output, StringComparison.Ordinal);
        Assert.True(engines < Environment.ProcessorCount, $"{engines} socket engine threads on {Environment.ProcessorCount} cores: completions still inline");
    }

    [Fact]
    public async Task EnvironmentSaysZero_WinsOverTheDefault()
    {
        var (output, engines) = await RunAsync(configured: null, environment: "0");

        Assert.Contains($"Socket completions run on the socket engine's threads: False (decided by {Variable})", output, StringComparison.Ordinal);
        Assert.True(engines < Environment.ProcessorCount, $"{engines} socket engine threads on {Environment.ProcessorCount} cores: completions still inline");
    }

    private static async Task<(string Output, int EngineThreads)> RunAsync(bool? configured, string? environment)
    {
        Assert.True(Environment.ProcessorCount >= 2, "needs two cores: on one the engine has one thread either way");
        await using var backends = await Backends.StartAsync("a-1@eu-west");
        var config = TestConfig.SingleCluster(backends.Instances);
        config["Logging"]!["LogLevel"]![Category] = "Information";
        if (configured is { } on)
        {
            config["Gateway"]!["Limits"] = new JsonObject { ["InlineSocketCompletions"] = on };
        }

        await using var gateway = await GatewayProcess.StartAsync(config, "/api/ready", new Dictionary<string, string?> { [Variable] = environment });
        using var proxy = new HttpClient { BaseAddress = gateway.ProxyUrl, Timeout = TimeSpan.FromSeconds(10) };
        var statuses = new HttpStatusCode[Requests];
        await Parallel.ForAsync(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, cancel) =>
        {
            using var response = await proxy.GetAsync($"/api/item/{i}", cancel);
            statuses[i] = response.StatusCode;
        });

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        return (gateway.Output, EngineThreads(gateway.ProcessId));
    }

    private static int EngineThreads(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).Trim() == EngineThread;
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
                return false;
            }
        });
}
