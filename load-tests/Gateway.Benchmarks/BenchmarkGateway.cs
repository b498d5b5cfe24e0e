using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Gateway.Benchmarks;

/// <summary>
/// A real gateway (not listening for traffic in the micro benchmark) with two clusters on the same destination:
/// <c>plain</c> without a resilience policy and <c>guarded</c> with policy <c>standard</c> (all defaults).
/// </summary>
internal static class BenchmarkGateway
{
    public static async Task<(WebApplication App, string Directory)> StartAsync(Uri backend)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-bench-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var config = new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["plain"] = new JsonObject { ["ClusterId"] = "plain", ["Match"] = new JsonObject { ["Path"] = "/plain/{**rest}" } },
                    ["guarded"] = new JsonObject { ["ClusterId"] = "guarded", ["Match"] = new JsonObject { ["Path"] = "/guarded/{**rest}" } },
                },
                ["Clusters"] = new JsonObject
                {
                    ["plain"] = Cluster(backend, policy: null),
                    ["guarded"] = Cluster(backend, policy: "standard"),
                },
            },
            ["Gateway"] = new JsonObject
            {
                ["Resilience"] = new JsonObject { ["Policies"] = new JsonObject { ["standard"] = new JsonObject() } },
            },
        };
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), config.ToJsonString());
        string[] args = ["--contentRoot", directory, "--urls", $"http://127.0.0.1:{FreePort()}", $"--Gateway:Admin:Urls=http://127.0.0.1:{FreePort()}"];
        var (app, errors) = await GatewayApp.BuildAsync(args);
        if (app is null)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }

        await app.StartAsync();
        return (app, directory);
    }

    public static Uri ProxyUrl(WebApplication app) => new(app.Urls.First());

    private static JsonObject Cluster(Uri backend, string? policy)
    {
        var cluster = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = backend.ToString() } },
            // Benchmarks measure the pipeline, not outlier ejection.
            ["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } },
        };
        if (policy is not null)
        {
            cluster["Metadata"] = new JsonObject { ["ResiliencePolicy"] = policy };
        }

        return cluster;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
