using Gateway.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Identity;

public sealed class TokenCacheTests
{
    [Fact]
    public void TryGet_BeforeAndAfterExpiry_AnswersOnlyBefore()
    {
        var time = new FakeTimeProvider();
        var cache = new TokenCache(10, time);
        var identity = GatewayIdentity.ForConsumer("alice");
        cache.Add("token", identity, time.GetUtcNow().AddMinutes(1));

        Assert.True(cache.TryGet("token", out var found));
        Assert.Same(identity, found);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(cache.TryGet("token", out _));
    }

    [Fact]
    public void Add_BeyondCapacity_NeverHoldsMoreThanCapacity()
    {
        var time = new FakeTimeProvider();
        var cache = new TokenCache(100, time);

        for (var i = 0; i < 10_000; i++)
        {
            cache.Add("token" + i, null, time.GetUtcNow().AddSeconds(10));
            Assert.True(cache.Count <= 100);
        }

        Assert.True(cache.TryGet("token9999", out var refused));
        Assert.Null(refused);
    }

    [Fact]
    public void ApiKeyTable_FindsOnlyConfiguredKeys()
    {
        var table = ApiKeyTable.From(new Dictionary<string, ConsumerOptions>
        {
            ["acme"] = new() { KeyHashes = [Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("k1"u8))] },
        });

        Assert.Equal("acme", table.Find("k1")?.Consumer);
        Assert.Null(table.Find("k2"));
        Assert.Null(table.Find(new string('k', 300)));
    }
}
