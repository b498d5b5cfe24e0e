using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Redis;

/// <summary>The <c>Gateway:Redis</c> section of a test config, and the <c>/readyz</c> check <c>redis</c>.</summary>
internal static class RedisTestConfig
{
    public static JsonObject WithRedis(JsonObject config, string redisConfiguration, string? timeout = null, string? keyPrefix = null)
    {
        var redis = new JsonObject { ["Configuration"] = redisConfiguration };
        if (timeout is not null)
        {
            redis["Timeout"] = timeout;
        }

        if (keyPrefix is not null)
        {
            redis["KeyPrefix"] = keyPrefix;
        }

        config["Gateway"]!["Redis"] = redis;
        return config;
    }

    public static async Task<(string Status, string Description)> RedisCheckAsync(GatewayTestHost gateway)
    {
        using var response = await gateway.Admin.GetAsync("/readyz");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var redis = body["checks"]!["redis"]!;
        return (redis["status"]!.GetValue<string>(), redis["description"]!.GetValue<string>());
    }

    /// <summary>Waits until the gateway is connected to Redis and its heartbeat counts <paramref name="instances"/>.</summary>
    public static Task WaitForLiveInstancesAsync(GatewayTestHost gateway, int instances) =>
        Eventually.TrueAsync(
            async () =>
            {
                var (status, description) = await RedisCheckAsync(gateway);
                return status == "Healthy" && description.Contains($"{instances} live", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(15),
            $"Redis connected with {instances} live instance(s)");
}
