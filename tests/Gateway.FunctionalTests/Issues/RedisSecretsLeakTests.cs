using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Redis;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.RateLimiting;
using Gateway.FunctionalTests.Redis;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 13: the Redis connection string's credentials (<c>password=</c>, <c>user=</c> and the sentinel
/// ones) leaked through validation errors into logs, the <c>validate</c> command and <c>/admin/config</c>.
/// </summary>
public sealed class RedisSecretsLeakTests
{
    private const string Password = "s3cret-pass";
    private const string User = "alice-secret";

    [Theory]
    [InlineData("abortConnect=false,user=" + User + ",password=" + Password)]
    [InlineData("abortConnect=false,sentinelUser=" + User + ",sentinelPassword=" + Password)]
    [InlineData("127.0.0.1:6379,user=" + User + ",password=" + Password + ",connectTimeout=soon")]
    [InlineData("127.0.0.1:6379,user=" + User + ",password=" + Password + ",nonsense=1")]
    public void Validate_InvalidConfiguration_ErrorHidesCredentials(string configuration)
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { Redis = new RedisOptions { Configuration = configuration } }));

        Assert.Equal("Gateway:Redis:Configuration", error.Path);
        Assert.DoesNotContain(Password, error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(User, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_KeepsEverythingButCredentialValues() =>
        Assert.Equal(
            "127.0.0.1:6379, User=(redacted),password=(redacted),ssl=true,sentinelPassword=(redacted),password",
            RedisSecrets.Redact($"127.0.0.1:6379, User={User},password={Password},ssl=true,sentinelPassword=x=y,password"));

    [Fact]
    public async Task AdminConfig_RejectedReloadAndEffectiveConfig_HideCredentials()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var good = RedisTestConfig.WithRedis(
            RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(5, scope: "Global")),
            $"127.0.0.1:{FreePort.Next()},user={User},password={Password},connectTimeout=200");
        await using var gateway = await GatewayTestHost.StartAsync(good);
        var bad = JsonNode.Parse(good.ToJsonString())!.AsObject();
        bad["Gateway"]!["Redis"]!["Configuration"] = $"abortConnect=false,user={User},password={Password}";
        var before = DateTimeOffset.UtcNow;

        await gateway.WriteConfigAsync(bad);
        var report = await gateway.WaitForReloadAsync(before);
        using var response = await gateway.Admin.GetAsync("/admin/config");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(ConfigReloadOutcome.Rejected, report.Outcome);
        Assert.Contains("Gateway:Redis:Configuration", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, body, StringComparison.Ordinal);
        Assert.DoesNotContain(User, body, StringComparison.Ordinal);
    }
}
