using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.RateLimiting;
using Gateway.FunctionalTests.Redis;

namespace Gateway.FunctionalTests.Admin;

public sealed class ConfigStatusTests
{
    [Fact]
    public async Task AdminConfig_RedisPassword_IsRedacted()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = RedisTestConfig.WithRedis(
            RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(5, scope: "Global")),
            $"127.0.0.1:{FreePort.Next()},password=s3cret-pass,connectTimeout=200");
        await using var gateway = await GatewayTestHost.StartAsync(config);

        using var response = await gateway.Admin.GetAsync("/admin/config");
        var body = await response.Content.ReadAsStringAsync();

        response.EnsureSuccessStatusCode();
        Assert.DoesNotContain("s3cret-pass", body, StringComparison.Ordinal);
        Assert.Contains("password=(redacted)", body, StringComparison.Ordinal);
    }
}
