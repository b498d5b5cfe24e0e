using System.Text.Json.Nodes;
using SampleBackend;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.RateLimiting;

/// <summary>Gateway configs with rate-limit policies on the <c>api</c> route of <see cref="TestConfig.SingleCluster"/>.</summary>
internal static class RateLimitTestConfig
{
    public static JsonObject WithPolicy(IEnumerable<BackendInstance> instances, JsonObject policy, string name = "p")
    {
        var config = TestConfig.SingleCluster(instances);
        config["ReverseProxy"]!["Routes"]!["api"]!["RateLimiterPolicy"] = name;
        config["Gateway"] = new JsonObject
        {
            ["RateLimiting"] = new JsonObject { ["Policies"] = new JsonObject { [name] = policy } },
        };
        return config;
    }

    /// <summary>A token bucket that does not refill during a test: exactly <paramref name="tokens"/> requests pass.</summary>
    public static JsonObject Bucket(int tokens, string partitionBy = "Global", string scope = "Local") => new()
    {
        ["Algorithm"] = "TokenBucket",
        ["TokenLimit"] = tokens,
        ["TokensPerPeriod"] = 1,
        ["ReplenishmentPeriod"] = "01:00:00",
        ["PartitionBy"] = partitionBy,
        ["Scope"] = scope,
    };
}
