using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Resilience;

/// <summary>Gateway configs with a resilience policy, and helpers the resilience tests share.</summary>
internal static class ResilienceTestConfig
{
    /// <summary>
    /// One route <c>/api/{**rest}</c> onto cluster <c>api</c> with policy <c>p</c>. Passive health (outlier ejection)
    /// is off so that the breaker alone decides who is skipped.
    /// </summary>
    public static JsonObject SingleCluster(IEnumerable<BackendInstance> instances, JsonObject policy)
    {
        var config = TestConfig.SingleCluster(instances);
        UsePolicy(config["ReverseProxy"]!["Clusters"]!["api"]!.AsObject(), "p");
        config["Gateway"] = Policies(("p", policy));
        return config;
    }

    public static void UsePolicy(JsonObject cluster, string policy)
    {
        cluster["Metadata"] = new JsonObject { ["ResiliencePolicy"] = policy };
        cluster["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } };
    }

    public static JsonObject Policies(params (string Name, JsonObject Policy)[] policies)
    {
        var named = new JsonObject();
        foreach (var (name, policy) in policies)
        {
            named[name] = policy;
        }

        return new JsonObject { ["Resilience"] = new JsonObject { ["Policies"] = named } };
    }

    public static async Task<JsonElement> DestinationAsync(GatewayTestHost gateway, string cluster, string destination)
    {
        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        foreach (var c in clusters.RootElement.GetProperty("clusters").EnumerateArray())
        {
            if (c.GetProperty("id").GetString() == cluster)
            {
                foreach (var d in c.GetProperty("destinations").EnumerateArray())
                {
                    if (d.GetProperty("id").GetString() == destination)
                    {
                        return d.Clone();
                    }
                }
            }
        }

        throw new InvalidOperationException($"destination {cluster}/{destination} not in /admin/clusters");
    }

    public static async Task<string?> CircuitAsync(GatewayTestHost gateway, string destination, string cluster = "api") =>
        (await DestinationAsync(gateway, cluster, destination)).TryGetProperty("circuit", out var circuit) ? circuit.GetString() : null;

    public static async Task<TimeSpan> BreakLeftAsync(GatewayTestHost gateway, string destination, string cluster = "api")
    {
        var until = (await DestinationAsync(gateway, cluster, destination)).GetProperty("circuitOpenUntil").GetDateTimeOffset();
        return until - DateTimeOffset.UtcNow;
    }

    public static async Task<EchoResponse?> EchoAsync(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType == "application/json" ? await response.Content.ReadFromJsonAsync<EchoResponse>() : null;

    public static string Reason(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Gateway-Reason", out var values) ? values.Single() : string.Empty;
}
