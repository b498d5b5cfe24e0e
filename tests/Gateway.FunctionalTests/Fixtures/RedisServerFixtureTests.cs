using StackExchange.Redis;

namespace Gateway.FunctionalTests.Fixtures;

public sealed class RedisServerFixtureTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Fixture_StartsARealRedisServer()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = connection.GetDatabase();

        await db.StringSetAsync("gateway-test", "42", TimeSpan.FromSeconds(30));

        Assert.True((await db.PingAsync()) < TimeSpan.FromSeconds(1));
        Assert.Equal("42", (string?)await db.StringGetAsync("gateway-test"));
    }
}
