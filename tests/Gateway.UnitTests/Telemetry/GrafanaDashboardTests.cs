using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.UnitTests.Fixtures;

namespace Gateway.UnitTests.Telemetry;

/// <summary>
/// dashboards/gateway.json on its own, and the PromQL reading that FunctionalTests' GrafanaDashboardTests checks
/// against what a real gateway exports.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly string DashboardPath = Path.Combine(RepoPaths.Root, "dashboards", "gateway.json");

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

    [Fact]
    public void Dashboard_ParsesWithPrometheusDataSourceAndTheConsolePanels()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();
        var panels = Panels(dashboard).ToList();
        var titles = panels.Select(p => (string?)p["title"]).ToList();

        Assert.False(string.IsNullOrEmpty((string?)dashboard["title"]));
        Assert.Contains(dashboard["__inputs"]!.AsArray(), i => (string?)i!["pluginId"] == "prometheus");
        Assert.All(panels.Where(p => p["targets"] is not null), p =>
            Assert.Equal("prometheus", (string?)p["datasource"]!["type"]));
        foreach (var expected in new[] { "Requests/s", "Error rate (5xx)", "p99 latency", "Gateway refusals by X-Gateway-Reason" })
        {
            Assert.Contains(expected, titles);
        }

        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        Assert.NotEmpty(Expressions(dashboard));
    }

    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{gateway_listener!=\"admin\"}[$__rate_interval])))", "http_server_request_duration_seconds_bucket")]
    [InlineData("sum(increase(gateway_config_reloads_total{outcome=\"rejected\"}[1h])) / sum without (outcome) (kestrel_active_connections)", "gateway_config_reloads_total kestrel_active_connections")]
    public void MetricsIn_PromQl_OnlyMetricNames(string expression, string expected)
    {
        Assert.Equal(expected.Split(' '), MetricsIn(expression));
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
