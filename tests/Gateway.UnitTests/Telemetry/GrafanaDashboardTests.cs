using System.Text.Json.Nodes;
using Gateway.Tests.Common;
using Gateway.UnitTests.Fixtures;

namespace Gateway.UnitTests.Telemetry;

/// <summary>
/// dashboards/gateway.json on its own, and the PromQL reading that FunctionalTests' GrafanaDashboardTests checks
/// against what a real gateway exports.
/// </summary>
public sealed class GrafanaDashboardTests
{
    private static readonly string DashboardPath = Path.Combine(RepoPaths.Root, "dashboards", "gateway.json");

    [Fact]
    public void Dashboard_ParsesWithPrometheusDataSourceAndTheConsolePanels()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();
        var panels = DashboardQueries.Panels(dashboard).ToList();
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
        Assert.NotEmpty(DashboardQueries.Expressions(dashboard));
    }

    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{gateway_listener!=\"admin\"}[$__rate_interval])))", "http_server_request_duration_seconds_bucket")]
    [InlineData("sum(increase(gateway_config_reloads_total{outcome=\"rejected\"}[1h])) / sum without (outcome) (kestrel_active_connections)", "gateway_config_reloads_total kestrel_active_connections")]
    public void MetricsIn_PromQl_OnlyMetricNames(string expression, string expected)
    {
        Assert.Equal(expected.Split(' '), DashboardQueries.MetricsIn(expression));
    }
}
