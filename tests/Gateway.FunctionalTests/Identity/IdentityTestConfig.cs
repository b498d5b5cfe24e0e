using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Identity;

/// <summary>Gateway configs whose <c>api</c> route requires an identity policy.</summary>
internal static class IdentityTestConfig
{
    public const string AcmeKey = "acme-key-0123456789";
    public const string AcmeSecondKey = "acme-key-rotated-9876543210";
    public const string GlobexKey = "globex-key-abcdefghij";

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Consumers acme (two keys) and globex; route <c>api</c> requires policy <c>keys</c>.</summary>
    public static JsonObject ApiKeys(IEnumerable<BackendInstance> instances, JsonArray? allowed = null)
    {
        var config = TestConfig.SingleCluster(instances);
        config["ReverseProxy"]!["Routes"]!["api"]!["AuthorizationPolicy"] = "keys";
        var policy = new JsonObject { ["Scheme"] = "ApiKey" };
        if (allowed is not null)
        {
            policy["Consumers"] = allowed;
        }

        config["Gateway"] = new JsonObject
        {
            ["Identity"] = new JsonObject
            {
                ["Consumers"] = new JsonObject
                {
                    ["acme"] = new JsonObject { ["KeyHashes"] = new JsonArray(Hash(AcmeKey), Hash(AcmeSecondKey)) },
                    ["globex"] = new JsonObject { ["KeyHashes"] = new JsonArray(Hash(GlobexKey)) },
                },
                ["Policies"] = new JsonObject { ["keys"] = policy },
            },
        };
        return config;
    }

    /// <summary>Adds a rate-limit policy on route <c>api</c>: a bucket of <paramref name="tokens"/> that does not refill.</summary>
    public static JsonObject WithBucket(JsonObject config, int tokens, string partitionBy)
    {
        config["ReverseProxy"]!["Routes"]!["api"]!["RateLimiterPolicy"] = "per-consumer";
        config["Gateway"]!["RateLimiting"] = new JsonObject
        {
            ["Policies"] = new JsonObject
            {
                ["per-consumer"] = new JsonObject
                {
                    ["Algorithm"] = "TokenBucket",
                    ["TokenLimit"] = tokens,
                    ["TokensPerPeriod"] = 1,
                    ["ReplenishmentPeriod"] = "01:00:00",
                    ["PartitionBy"] = partitionBy,
                },
            },
        };
        return config;
    }

    public static HttpRequestMessage Get(string path, string? apiKey = null, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        return request;
    }
}
