using System.Net;
using System.Net.Http.Json;
using Gateway.FunctionalTests.Fixtures;
using Gateway.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using SampleBackend;
using static Gateway.FunctionalTests.Identity.IdentityTestConfig;

namespace Gateway.FunctionalTests.Identity;

/// <summary>API keys checked at the gateway: real gateway, real sample backend on loopback.</summary>
/// <remarks>
/// Serial: the spray measures the process's managed heap, and tests running beside it grew it by 19 MB in one run.
/// </remarks>
[Collection(SerialGroup.Name)]
public sealed class ApiKeyTests
{
    [Fact]
    public async Task Request_WithoutKeyOrWithUnknownKey_Gets401BeforeTheBackend()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(ApiKeys(backends.Instances));

        foreach (var key in new[] { null, "not-a-key", AcmeKey + "x", new string('k', 5000) })
        {
            using var response = await gateway.Proxy.SendAsync(Get("/api/x", key));

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("unauthenticated", Assert.Single(response.Headers.GetValues("X-Gateway-Reason")));
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("ApiKey", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Request_WithKnownKey_ReachesBackendWithConsumerHeaderNotTheClientsCopy()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(ApiKeys(backends.Instances));

        using var request = Get("/api/x", AcmeSecondKey);
        request.Headers.Add("X-Gateway-Consumer", "globex");
        using var response = await gateway.Proxy.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();
        Assert.Equal("acme", echo!.Headers["X-Gateway-Consumer"]);
    }

    [Fact]
    public async Task Request_WithKeyOfConsumerThePolicyDoesNotAllow_Gets403()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(ApiKeys(backends.Instances, ["acme"]));

        using var allowed = await gateway.Proxy.SendAsync(Get("/api/x", AcmeKey));
        using var refused = await gateway.Proxy.SendAsync(Get("/api/x", GlobexKey));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("forbidden", Assert.Single(refused.Headers.GetValues("X-Gateway-Reason")));
    }

    [Fact]
    public async Task RateLimit_PartitionByConsumer_CountsBothKeysOfOneConsumerInOneBucket()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(WithBucket(ApiKeys(backends.Instances), 3, "Consumer"));

        var acme = new List<HttpStatusCode>();
        foreach (var key in new[] { AcmeKey, AcmeSecondKey, AcmeKey, AcmeSecondKey })
        {
            using var response = await gateway.Proxy.SendAsync(Get("/api/x", key));
            acme.Add(response.StatusCode);
        }

        using var globex = await gateway.Proxy.SendAsync(Get("/api/x", GlobexKey));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], acme);
        Assert.Equal(HttpStatusCode.OK, globex.StatusCode);
    }

    [Fact]
    public async Task Spray_OfRandomKeys_PassesNoneAndMakesNoBuckets()
    {
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(WithBucket(ApiKeys(backends.Instances), 1000, "Consumer"));
        using var first = await gateway.Proxy.SendAsync(Get("/api/x", AcmeKey));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var policy = (LocalRateLimitPolicy)gateway.Services.GetRequiredService<RateLimitingTableSource>().Current.Policies["per-consumer"];
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var statuses = new Dictionary<HttpStatusCode, int>();
        var sent = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (sent < 3000 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var batch = Enumerable.Range(0, 50).Select(async _ =>
            {
                using var response = await gateway.Proxy.SendAsync(Get("/api/x", Guid.NewGuid().ToString("N")));
                return response.StatusCode;
            });
            foreach (var status in await Task.WhenAll(batch))
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }

            sent += 50;
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(sent, statuses.GetValueOrDefault(HttpStatusCode.Unauthorized));
        Assert.Equal(1, policy.Limiter.PartitionCount);
        // Nothing is kept per key; the bound only catches a leak of the order of the spray (3,000 keys and buckets).
        Assert.True(after - before < 8 * 1024 * 1024, $"managed heap grew by {(after - before) / 1024} KiB over {sent} random keys");
    }
}
