using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Failover;
using Gateway.FunctionalTests.Fixtures;
using Gateway.Tests.Common;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Telemetry;

/// <summary>dashboards/gateway.json against what a real gateway exports at /metrics after some traffic.</summary>
public sealed class GrafanaDashboardTests(ITestOutputHelper output)
{
    private static readonly string DashboardPath = Path.Combine(RepoPaths.Root, "dashboards", "gateway.json");

    [Fact]
    public async Task Dashboard_AfterTrafficAndAFailover_NamesOnlyMetricsTheGatewayExports()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west", "us-1@us-east", "us-2@us-east");
        var config = RegionFailoverTests.Config(backends.Instances, failbackDelay: "00:00:01", slowStart: "00:00:01");
        config["Gateway"]!["Health"]!["OutlierDetection"]!["ConsecutiveFailures"] = 1;
        config["ReverseProxy"]!["Routes"]!["api"]!["RateLimiterPolicy"] = "dashboard";
        config["Gateway"]!["RateLimiting"] = new JsonObject
        {
            ["Policies"] = new JsonObject { ["dashboard"] = new JsonObject { ["TokenLimit"] = 100_000, ["PartitionBy"] = "Global" } },
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        for (var i = 0; i < 10; i++)
        {
            (await gateway.GetAsync("/api/warm")).Response.Dispose();
        }

        // A failing destination (ejection, retry), then a dead region (failover), then nothing left (refusals).
        await backends.Find("eu-1")!.DownAsync();
        for (var i = 0; i < 10; i++)
        {
            (await gateway.GetAsync("/api/eu-1-down")).Response.Dispose();
        }

        await backends.Find("eu-2")!.DownAsync();
        await Task.Delay(600);
        for (var i = 0; i < 10; i++)
        {
            (await gateway.GetAsync("/api/eu-west-down")).Response.Dispose();
        }

        await Task.WhenAll(backends.InRegion("us-east").Select(b => b.DownAsync()));
        await Task.Delay(600);
        for (var i = 0; i < 5; i++)
        {
            (await gateway.GetAsync("/api/all-down")).Response.Dispose();
        }

        (await gateway.Admin.GetAsync("/healthz")).Dispose();

        var text = await gateway.Admin.GetStringAsync("/metrics");
        var exported = MetricNames(text);
        output.WriteLine(string.Join("\n", exported.Order(StringComparer.Ordinal)));
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();
        var named = DashboardQueries.Expressions(dashboard).SelectMany(DashboardQueries.MetricsIn).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.Contains(name, exported));
        // The dashboard tells proxy traffic from admin traffic by this label.
        Assert.Matches("http_server_request_duration_seconds_count\\{[^}]*gateway_listener=\"admin\"", text);
    }

    internal static HashSet<string> MetricNames(string prometheusText)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in prometheusText.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOfAny(['{', ' ']);
            names.Add(end < 0 ? line : line[..end]);
        }

        return names;
    }
}
