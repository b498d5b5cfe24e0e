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
            Assert.True(cache.Refused <= 100);
        }

        Assert.True(cache.TryGet("token9999", out var refused));
        Assert.Null(refused);
    }

    [Fact]
    public void Add_RefusalsBeyondCapacity_KeepsTheAcceptedTokens()
    {
        var time = new FakeTimeProvider();
        var cache = new TokenCache(100, time);
        var alice = GatewayIdentity.ForConsumer("alice");
        cache.Add("valid", alice, time.GetUtcNow().AddMinutes(1));

        for (var i = 0; i < 1_000; i++)
        {
            cache.Add("forged" + i, null, time.GetUtcNow().AddSeconds(10));
        }

        Assert.True(cache.TryGet("valid", out var found));
        Assert.Same(alice, found);
        Assert.Equal(1, cache.Accepted);
        Assert.InRange(cache.Refused, 1, 100);
        Assert.True(cache.TryGet("forged999", out var refused));
        Assert.Null(refused);
        // Emptied at the 101st refusal: the first ones are gone, the valid token was not.
        Assert.False(cache.TryGet("forged0", out _));
    }

    [Fact]
    public void Add_AcceptedBeyondCapacity_EmptiesTheCacheAndStaysBounded()
    {
        var time = new FakeTimeProvider();
        var cache = new TokenCache(100, time);
        cache.Add("forged", null, time.GetUtcNow().AddSeconds(10));

        for (var i = 0; i < 1_000; i++)
        {
            cache.Add("valid" + i, GatewayIdentity.ForConsumer("c" + i), time.GetUtcNow().AddMinutes(1));
            Assert.True(cache.Accepted <= 100);
        }

        Assert.True(cache.TryGet("valid999", out var last));
        Assert.Equal("c999", last!.Consumer);
        Assert.False(cache.TryGet("valid0", out _));
        Assert.Equal(0, cache.Refused);
    }

    [Fact]
    public void TryGet_OneTokenRefusedThenVerified_AnswersTheLaterOutcome()
    {
        var time = new FakeTimeProvider();
        var cache = new TokenCache(10, time);
        var alice = GatewayIdentity.ForConsumer("alice");
        // Refused while the keys were not fetched yet, valid once they were: the later outcome wins.
        cache.Add("token", null, time.GetUtcNow().AddSeconds(10));
        cache.Add("token", alice, time.GetUtcNow().AddMinutes(1));

        Assert.True(cache.TryGet("token", out var found));
        Assert.Same(alice, found);
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
