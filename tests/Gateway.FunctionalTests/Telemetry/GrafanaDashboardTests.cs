using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.FunctionalTests.Failover;
using Gateway.FunctionalTests.Fixtures;
using Xunit.Abstractions;

namespace Gateway.FunctionalTests.Telemetry;

/// <summary>dashboards/gateway.json against what a real gateway exports at /metrics after some traffic.</summary>
public sealed partial class GrafanaDashboardTests(ITestOutputHelper output)
{
    private static readonly string DashboardPath = Path.Combine(RepoPaths.Root, "dashboards", "gateway.json");

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

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
        var named = Expressions(dashboard).SelectMany(MetricsIn).ToHashSet(StringComparer.Ordinal);

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

    /// <summary>The metric names in a PromQL expression: identifiers that are not functions, keywords or labels.</summary>
    internal static IEnumerable<string> MetricsIn(string expression)
    {
        var bare = StringLiteral().Replace(expression, "\"\"");
        bare = LabelMatchers().Replace(bare, " ");
        bare = RangeOrSubquery().Replace(bare, " ");
        bare = Grouping().Replace(bare, " ");
        foreach (Match match in Identifier().Matches(bare))
        {
            var rest = bare[(match.Index + match.Length)..].TrimStart();
            if (!rest.StartsWith('(') && !PromQlWords.Contains(match.Value.ToLowerInvariant()) && !match.Value.StartsWith('$'))
            {
                yield return match.Value;
            }
        }
    }

    private static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            yield return panel!.AsObject();
            if (panel["panels"] is JsonArray nested)
            {
                foreach (var inner in nested)
                {
                    yield return inner!.AsObject();
                }
            }
        }
    }

    private static List<string> Expressions(JsonObject dashboard) =>
        [.. Panels(dashboard).SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => (string?)t!["expr"]).OfType<string>()];

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex("\\[[^\\]]*\\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex("\\$?[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
