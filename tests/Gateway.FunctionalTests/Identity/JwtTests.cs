using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SampleBackend;
using static Gateway.FunctionalTests.Identity.IdentityTestConfig;

namespace Gateway.FunctionalTests.Identity;

/// <summary>JWT bearer tokens checked at the gateway against a JWKS served on loopback by <see cref="TestIssuer"/>.</summary>
public sealed class JwtTests
{
    [Fact]
    public async Task Token_Valid_ReachesBackendWithSubjectAsConsumer()
    {
        var key = TestIssuer.NewKey("k1");
        await using var issuer = await TestIssuer.StartAsync(key);
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(issuer.Config(backends.Instances));

        using var response = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(key, "alice")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();
        Assert.Equal("alice", echo!.Headers["X-Gateway-Consumer"]);
    }

    [Fact]
    public async Task Token_MissingExpiredOtherAudienceOrUnknownKey_Gets401()
    {
        var key = TestIssuer.NewKey("k1");
        var stranger = TestIssuer.NewKey("k1");
        await using var issuer = await TestIssuer.StartAsync(key);
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(issuer.Config(backends.Instances));

        using var missing = await gateway.Proxy.SendAsync(Get("/api/x"));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
        string[] bad =
        [
            TestIssuer.Token(key, "alice", lifetime: TimeSpan.FromMinutes(-2)),
            TestIssuer.Token(key, "alice", audience: "billing-api"),
            TestIssuer.Token(stranger, "alice"),
            "not.a.token",
        ];
        foreach (var token in bad)
        {
            using var response = await gateway.Proxy.SendAsync(Get("/api/x", bearer: token));

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("unauthenticated", Assert.Single(response.Headers.GetValues("X-Gateway-Reason")));
            Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task Token_WithoutRequiredClaim_Gets403()
    {
        var key = TestIssuer.NewKey("k1");
        await using var issuer = await TestIssuer.StartAsync(key);
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(issuer.Config(backends.Instances, requiredClaims: "scope=orders.read"));

        using var allowed = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(key, "alice", claims: new Claim("scope", "profile orders.read"))));
        using var refused = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(key, "bob", claims: new Claim("scope", "profile"))));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Token_Repeated_IsVerifiedOnce()
    {
        var key = TestIssuer.NewKey("k1");
        await using var issuer = await TestIssuer.StartAsync(key);
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(issuer.Config(backends.Instances, refresh: "00:10:00"));
        using var verifications = new MetricCollector<long>(gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.identity.token.verifications");
        var good = TestIssuer.Token(key, "alice");
        var expired = TestIssuer.Token(key, "alice", lifetime: TimeSpan.FromMinutes(-2));

        for (var i = 0; i < 20; i++)
        {
            using var ok = await gateway.Proxy.SendAsync(Get("/api/x", bearer: good));
            using var refused = await gateway.Proxy.SendAsync(Get("/api/x", bearer: expired));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(2, Verifications(verifications).Values.Sum());
    }

    [Fact]
    public async Task ForgedTokens_FromOneClient_VerifiedOnlyUpToItsBudget_CachedValidTokenStillPasses()
    {
        var key = TestIssuer.NewKey("k1");
        var forger = TestIssuer.NewKey("k1");
        await using var issuer = await TestIssuer.StartAsync(key);
        await using var backends = await Backends.StartAsync("a@eu");
        var config = issuer.Config(backends.Instances, refresh: "00:10:00");
        config["Gateway"]!["Identity"]!["MaxFailedVerificationsPerSecond"] = 2;
        await using var gateway = await GatewayTestHost.StartAsync(config);
        var good = TestIssuer.Token(key, "alice");
        using var first = await gateway.Proxy.SendAsync(Get("/api/x", bearer: good));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var forged = Enumerable.Range(0, 60).Select(i => TestIssuer.Token(forger, $"mallory-{i}")).ToList();
        using var verifications = new MetricCollector<long>(gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.identity.token.verifications");
        var before = Verifications(verifications);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        foreach (var batch in forged.Chunk(10))
        {
            statuses.AddRange(await Task.WhenAll(batch.Select(async token =>
            {
                using var response = await gateway.Proxy.SendAsync(Get("/api/x", bearer: token));
                return response.StatusCode;
            })));
        }

        var elapsed = clock.Elapsed;
        using var during = await gateway.Proxy.SendAsync(Get("/api/x", bearer: good));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        var after = Verifications(verifications);
        var checkedSignatures = after["allowed"] + after["unauthenticated"] - before["allowed"] - before["unauthenticated"];
        // A burst of two, then two a second, never more: a check is charged before it starts, so the requests in
        // flight together (a batch of 10) cannot all slip through.
        Assert.True(
            checkedSignatures <= 2 + (int)Math.Ceiling(2 * elapsed.TotalSeconds),
            $"{checkedSignatures} of 60 forged tokens verified in {elapsed.TotalSeconds:0.0} s");
        Assert.True(after["skipped"] > before["skipped"], "no forged token was refused unverified");
    }

    /// <summary>The verifications counted so far, by outcome (the instrument is observed: it reports totals).</summary>
    private static Dictionary<string, long> Verifications(MetricCollector<long> collector)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return collector.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["outcome"]!, m => m.Value);
    }

    [Fact]
    public async Task SigningKeys_FromJwksFile_ReadAgainAfterTheFileChanges()
    {
        var first = TestIssuer.NewKey("k1");
        var second = TestIssuer.NewKey("k2");
        var directory = Directory.CreateTempSubdirectory("gateway-jwks-");
        var file = Path.Combine(directory.FullName, "jwks.json");
        await File.WriteAllTextAsync(file, TestIssuer.Jwks(first));
        await using var issuer = await TestIssuer.StartAsync();
        await using var backends = await Backends.StartAsync("a@eu");
        var config = issuer.Config(backends.Instances, refresh: "00:00:01");
        var jwt = config["Gateway"]!["Identity"]!["Jwt"]!.AsObject();
        jwt.Remove("JwksUrl");
        jwt["JwksFile"] = file;
        try
        {
            await using var gateway = await GatewayTestHost.StartAsync(config);
            using var before = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(first, "alice")));
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

            await File.WriteAllTextAsync(file + ".tmp", TestIssuer.Jwks(second));
            File.Move(file + ".tmp", file, overwrite: true);
            await Eventually.TrueAsync(
                async () =>
                {
                    using var response = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(second, "alice")));
                    return response.StatusCode == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(15),
                "a token signed with the key now in the file accepted");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SigningKeys_Rotated_NewKeyAcceptedOldRefused_AndFailedFetchKeepsLastKeys()
    {
        var first = TestIssuer.NewKey("k1");
        var second = TestIssuer.NewKey("k2");
        await using var issuer = await TestIssuer.StartAsync(first);
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(issuer.Config(backends.Instances, refresh: "00:00:01"));
        using var before = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(first, "alice")));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        issuer.Publish(second);
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(second, "alice")));
                return response.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(15),
            "a token signed with the rotated key accepted");
        using var old = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(first, "alice")));
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);

        issuer.Fail(true);
        var fetches = Volatile.Read(ref issuer.Fetches);
        await Eventually.TrueAsync(() => Volatile.Read(ref issuer.Fetches) >= fetches + 2, TimeSpan.FromSeconds(20), "two failed fetches");
        using var during = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(second, "bob")));
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
    }

    [Fact]
    public async Task RateLimit_PartitionByClaim_CountsPerTenant()
    {
        var key = TestIssuer.NewKey("k1");
        await using var issuer = await TestIssuer.StartAsync(key);
        await using var backends = await Backends.StartAsync("a@eu");
        await using var gateway = await GatewayTestHost.StartAsync(WithBucket(issuer.Config(backends.Instances), 2, "Claim:tenant"));

        var statuses = new List<HttpStatusCode>();
        foreach (var (user, tenant) in new[] { ("alice", "t1"), ("bob", "t1"), ("carol", "t1"), ("dave", "t2") })
        {
            using var response = await gateway.Proxy.SendAsync(Get("/api/x", bearer: TestIssuer.Token(key, user, claims: new Claim("tenant", tenant))));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK], statuses);
    }
}
