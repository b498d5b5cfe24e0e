using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Telemetry;

[Collection(SerialGroup.Name)]
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_ExportsGatewayAspNetCoreAndKestrelInstrumentsAsPrometheusText()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));
        (await gateway.GetAsync("/api/ok")).Response.Dispose();
        await backends.Instances[0].DownAsync();
        (await gateway.GetAsync("/api/fails")).Response.Dispose();

        using var response = await gateway.Admin.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Matches("gateway_config_reloads_total\\{[^}]*outcome=\"applied\"[^}]*\\} 1", text);
        Assert.Matches("gateway_responses_total\\{[^}]*gateway_reason=\"upstream-unreachable\"[^}]*http_response_status_code=\"502\"[^}]*\\} 1", text);
        Assert.Matches("http_server_request_duration_seconds_count\\{[^}]*http_response_status_code=\"200\"", text);
        Assert.Contains("# TYPE kestrel_active_connections", text, StringComparison.Ordinal);
        // The forwarder's per-attempt instruments and routing's per-request counter only on request.
        Assert.DoesNotContain("http_client_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http_client_active_requests", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http_client_open_connections", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_routing_match_attempts", text, StringComparison.Ordinal);
        Assert.Contains("# HELP gateway_responses_total Responses the gateway gave itself", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_UpstreamRequestMetricsOn_ExportsTheForwardersPerRequestInstruments()
    {
        var text = await MetricsAfterOneRequestAsync("UpstreamRequestMetrics");

        Assert.Matches("http_client_request_duration_seconds_count\\{[^}]*http_response_status_code=\"200\"[^}]*\\} [1-9]", text);
        Assert.Contains("# TYPE http_client_active_requests", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_client_open_connections", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_RouteMatchMetricsOn_ExportsRoutingsCounter()
    {
        var text = await MetricsAfterOneRequestAsync("RouteMatchMetrics");

        Assert.Matches("aspnetcore_routing_match_attempts_total\\{[^}]*aspnetcore_routing_match_status=\"success\"[^}]*\\} [1-9]", text);
    }

    /// <summary>The Prometheus text after one proxied request, with <c>Gateway:Telemetry:&lt;key&gt;</c> on.</summary>
    private static async Task<string> MetricsAfterOneRequestAsync(string telemetryKey)
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = TestConfig.SingleCluster(backends.Instances);
        config["Gateway"] = new JsonObject { ["Telemetry"] = new JsonObject { [telemetryKey] = true } };
        await using var gateway = await GatewayTestHost.StartAsync(config);
        (await gateway.GetAsync("/api/ok")).Response.Dispose();

        using var response = await gateway.Admin.GetAsync("/metrics");
        return await response.Content.ReadAsStringAsync();
    }
}
