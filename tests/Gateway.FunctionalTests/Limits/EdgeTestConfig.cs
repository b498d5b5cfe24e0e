using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Limits;

/// <summary>Gateway configurations for the adversarial suite.</summary>
internal static class EdgeTestConfig
{
    /// <summary>
    /// Route <c>/api/{**rest}</c> onto the instances, <c>/small/{**rest}</c> onto the same cluster with a 1000-byte
    /// body limit, the given <c>Gateway:Limits</c>, and outlier ejection after one failure so that any failure
    /// blamed on a backend shows at once.
    /// </summary>
    public static JsonObject Create(IEnumerable<BackendInstance> instances, JsonObject? limits = null)
    {
        var config = TestConfig.SingleCluster(instances);
        config["ReverseProxy"]!["Routes"]!["small"] = new JsonObject
        {
            ["ClusterId"] = "api",
            ["Match"] = new JsonObject { ["Path"] = "/small/{**rest}" },
            ["MaxRequestBodySize"] = 1000,
        };
        config["Gateway"] = new JsonObject
        {
            ["Limits"] = limits ?? new JsonObject(),
            ["Health"] = new JsonObject
            {
                ["OutlierDetection"] = new JsonObject { ["ConsecutiveFailures"] = 1, ["MaxEjectionPercent"] = 100 },
            },
        };
        return config;
    }

    /// <summary>One route <c>/api/{**rest}</c> onto one destination at <paramref name="destination"/> (no health checks).</summary>
    public static JsonObject ToAddress(Uri destination, JsonObject? limits = null, int consecutiveFailures = 1)
    {
        var config = TestConfig.SingleCluster([]);
        config["ReverseProxy"]!["Clusters"]!["api"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d1"] = new JsonObject { ["Address"] = destination.ToString() } },
        };
        config["Gateway"] = new JsonObject
        {
            ["Limits"] = limits ?? new JsonObject(),
            ["Health"] = new JsonObject
            {
                ["OutlierDetection"] = new JsonObject { ["ConsecutiveFailures"] = consecutiveFailures, ["MaxEjectionPercent"] = 100 },
            },
            ["Resilience"] = new JsonObject { ["Retry"] = new JsonObject { ["Enabled"] = false } },
        };
        return config;
    }

    /// <summary>
    /// Times any destination of cluster <c>api</c> was ejected, and how many are passively unhealthy now, from the
    /// admin API: with one failure enough to eject, both stay 0 only if nothing was blamed on a backend.
    /// </summary>
    public static async Task<(long Ejections, int Unhealthy)> BlameAsync(GatewayTestHost gateway)
    {
        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        long ejections = 0;
        var unhealthy = 0;
        foreach (var destination in clusters.RootElement.GetProperty("clusters")[0].GetProperty("destinations").EnumerateArray())
        {
            ejections += destination.GetProperty("ejections").GetInt64();
            unhealthy += destination.GetProperty("passiveHealth").GetString() == "unhealthy" ? 1 : 0;
        }

        return (ejections, unhealthy);
    }
}
