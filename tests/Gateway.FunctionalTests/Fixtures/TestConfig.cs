using System.Text.Json.Nodes;
using SampleBackend;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>Builds gateway configuration files (as JSON) around real sample-backend instances.</summary>
public static class TestConfig
{
    /// <summary>One route <c>/api/{**rest}</c> onto one cluster <c>api</c> of the given instances.</summary>
    public static JsonObject SingleCluster(IEnumerable<BackendInstance> instances, string routePath = "/api/{**rest}", bool activeHealth = false)
    {
        var cluster = Cluster(instances, activeHealth);
        return new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["api"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = routePath } },
                },
                ["Clusters"] = new JsonObject { ["api"] = cluster },
            },
            ["Gateway"] = new JsonObject(),
        };
    }

    public static JsonObject Cluster(IEnumerable<BackendInstance> instances, bool activeHealth = false)
    {
        var destinations = new JsonObject();
        foreach (var instance in instances)
        {
            destinations[instance.Name] = new JsonObject
            {
                ["Address"] = instance.Url.ToString(),
                ["Metadata"] = new JsonObject { ["Region"] = instance.Region },
            };
        }

        var cluster = new JsonObject { ["Destinations"] = destinations };
        if (activeHealth)
        {
            cluster["HealthCheck"] = new JsonObject
            {
                ["Active"] = new JsonObject
                {
                    ["Enabled"] = true,
                    ["Interval"] = "00:00:00.200",
                    ["Timeout"] = "00:00:00.500",
                    ["Path"] = "/healthz",
                    ["Policy"] = "ConsecutiveFailures",
                },
            };
        }

        return cluster;
    }

}
