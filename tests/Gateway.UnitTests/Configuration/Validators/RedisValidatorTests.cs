using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Redis;

namespace Gateway.UnitTests.Configuration.Validators;

public sealed class RedisValidatorTests
{
    private static void AssertError(RedisOptions redis, string path, string reasonPart)
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { Redis = redis }));
        Assert.Equal(path, error.Path);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var redis = new RedisOptions();

        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { Redis = redis }));
        Assert.Null(redis.Configuration);
        Assert.Equal(TimeSpan.FromMilliseconds(5), redis.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(2), redis.BreakDuration);
        Assert.Equal("gw:", redis.KeyPrefix);
    }

    [Fact]
    public void Validate_MinimumValues_AreValid() =>
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            Redis = new RedisOptions { Configuration = "127.0.0.1:6379", Timeout = TimeSpan.FromMilliseconds(1), BreakDuration = TimeSpan.FromMilliseconds(500), KeyPrefix = "x" },
        }));

    [Fact]
    public void Validate_MaximumValues_AreValid() =>
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions
        {
            Redis = new RedisOptions { Timeout = TimeSpan.FromSeconds(1), BreakDuration = TimeSpan.FromMinutes(1) },
        }));

    [Fact]
    public void Validate_TimeoutOutOfRange_NamesTheRange()
    {
        AssertError(new RedisOptions { Timeout = TimeSpan.Zero }, "Gateway:Redis:Timeout", "must be between 00:00:00.0010000 and 00:00:01 (was 00:00:00).");
        AssertError(new RedisOptions { Timeout = TimeSpan.FromSeconds(2) }, "Gateway:Redis:Timeout", "(was 00:00:02).");
    }

    [Fact]
    public void Validate_BreakDurationOutOfRange_NamesTheRange() =>
        AssertError(new RedisOptions { BreakDuration = TimeSpan.FromMilliseconds(100) }, "Gateway:Redis:BreakDuration", "must be between 00:00:00.5000000 and 00:01:00");

    [Fact]
    public void Validate_Configuration_MustParse()
    {
        AssertError(new RedisOptions { Configuration = "127.0.0.1:6379,nonsense=1" }, "Gateway:Redis:Configuration", "is not a StackExchange.Redis configuration string");
        AssertError(new RedisOptions { Configuration = " " }, "Gateway:Redis:Configuration", "must not be empty");
        AssertError(new RedisOptions { Configuration = "abortConnect=false" }, "Gateway:Redis:Configuration", "names no Redis endpoint");
    }

    [Fact]
    public void Validate_EmptyKeyPrefix_IsAnError() =>
        AssertError(new RedisOptions { KeyPrefix = "" }, "Gateway:Redis:KeyPrefix", "must not be empty.");

    [Fact]
    public void Validate_KeyPrefixWithHashTag_IsAnError() =>
        AssertError(new RedisOptions { KeyPrefix = "{gw}:" }, "Gateway:Redis:KeyPrefix", "must not contain '{' or '}': a Redis Cluster hash tag would put every key in one slot.");
}
