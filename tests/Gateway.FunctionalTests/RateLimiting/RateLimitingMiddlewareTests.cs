using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.FunctionalTests.RateLimiting;

/// <summary>Local policies through the real gateway: answers, headers, partitions and reloads.</summary>
public sealed class RateLimitingMiddlewareTests
{
    private static async Task<HttpStatusCode> SendAsync(GatewayTestHost gateway, string? forwardedFor = null, string? apiKey = null, string path = "/api/x")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        using var response = await gateway.Proxy.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The reload report is published just before the rate-limit table is rebuilt from the new snapshot.</summary>
    private static Task WaitForTableAsync(GatewayTestHost gateway, long revision) =>
        Eventually.TrueAsync(
            () => Task.FromResult(gateway.Services.GetRequiredService<Gateway.RateLimiting.RateLimitingTableSource>().Current.Revision >= revision),
            TimeSpan.FromSeconds(5),
            $"rate-limit table at revision {revision}");

    [Fact]
    public async Task Rejected_Answers429WithRetryAfterAndRateLimitHeaders()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var policy = RateLimitTestConfig.Bucket(2);
        policy["ReplenishmentPeriod"] = "00:00:30";
        await using var gateway = await GatewayTestHost.StartAsync(RateLimitTestConfig.WithPolicy(backends.Instances, policy, "strict"));
        using var decisions = new MetricCollector<long>(gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.ratelimit.decisions");

        using var first = await gateway.Proxy.GetAsync("/api/x");
        using var second = await gateway.Proxy.GetAsync("/api/x");
        using var third = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("\"strict\";q=2;w=60", first.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal("\"strict\";r=1;t=60", first.Headers.GetValues("RateLimit").Single());
        Assert.Equal("\"strict\";r=0;t=60", second.Headers.GetValues("RateLimit").Single());

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rate-limited", third.Headers.GetValues("X-Gateway-Reason").Single());
        var body = JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, body.GetProperty("status").GetInt32());
        Assert.Equal("urn:gateway:problem:rate-limited", body.GetProperty("type").GetString());
        Assert.Equal("\"strict\";q=2;w=60", third.Headers.GetValues("RateLimit-Policy").Single());

        // The next token is due within one 30 s period; Retry-After is that, rounded up, plus up to half again.
        var rateLimit = third.Headers.GetValues("RateLimit").Single();
        Assert.StartsWith("\"strict\";r=0;t=", rateLimit, StringComparison.Ordinal);
        var due = int.Parse(rateLimit["\"strict\";r=0;t=".Length..], CultureInfo.InvariantCulture);
        Assert.InRange(due, 1, 30);
        var retryAfter = int.Parse(third.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, due, due + Math.Max(1, due / 2));

        // An observable counter: each collection reports the totals so far.
        decisions.RecordObservableInstruments();
        var measurements = decisions.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.Single(m => (string?)m.Tags["outcome"] == "allowed" && (string?)m.Tags["gateway.ratelimit.policy"] == "strict").Value);
        Assert.Equal(1, measurements.Single(m => (string?)m.Tags["outcome"] == "rejected" && (string?)m.Tags["gateway.ratelimit.policy"] == "strict").Value);
    }

    [Fact]
    public async Task RouteWithoutPolicy_IsNotLimitedAndHasNoHeaders()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(1));
        ((JsonObject)config["ReverseProxy"]!["Routes"]!["api"]!).Remove("RateLimiterPolicy");
        await using var gateway = await GatewayTestHost.StartAsync(config);

        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("RateLimit"));
        }
    }

    [Fact]
    public async Task ForwardedFor_FromUntrustedPeer_DoesNotChangeThePartition()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(1, "ClientIp")));

        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, forwardedFor: "198.51.100.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway, forwardedFor: "198.51.100.2"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway));
    }

    [Fact]
    public async Task ForwardedFor_FromTrustedPeer_ChangesThePartition()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(1, "ClientIp"));
        config["Gateway"]!["ClientIdentity"] = new JsonObject { ["TrustedProxies"] = new JsonArray("127.0.0.1/32") };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, forwardedFor: "198.51.100.1"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, forwardedFor: "198.51.100.2"));
        // A forged entry left of the real client does not help: the rightmost untrusted hop is the client.
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway, forwardedFor: "203.0.113.7, 198.51.100.1"));
        // Without the header the trusted proxy itself is the client.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway));
    }

    [Fact]
    public async Task ApiKey_EachKeyItsOwnBucket_MissingKeySharesOneBucket()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(1, "ApiKey")));

        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, apiKey: "alice"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway, apiKey: "alice"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, apiKey: "bob"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway, forwardedFor: "198.51.100.9"));
    }

    [Fact]
    public async Task Concurrency_RefusesBeyondPermitLimitInFlight()
    {
        await using var backends = await Backends.StartAsync(capacity: 64, serviceTime: TimeSpan.FromMilliseconds(500), "eu-1@eu-west");
        var policy = new JsonObject { ["Algorithm"] = "Concurrency", ["PermitLimit"] = 2, ["PartitionBy"] = "Route" };
        await using var gateway = await GatewayTestHost.StartAsync(RateLimitTestConfig.WithPolicy(backends.Instances, policy));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => SendAsync(gateway)));

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
    }

    [Fact]
    public async Task PolicyEdit_AppliesOnReload_UnchangedPolicyKeepsItsBuckets()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(1), "edited");
        config["ReverseProxy"]!["Routes"]!["other"] = new JsonObject
        {
            ["ClusterId"] = "api",
            ["Match"] = new JsonObject { ["Path"] = "/other/{**rest}" },
            ["RateLimiterPolicy"] = "kept",
        };
        config["Gateway"]!["RateLimiting"]!["Policies"]!["kept"] = RateLimitTestConfig.Bucket(1);
        await using var gateway = await GatewayTestHost.StartAsync(config);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway, path: "/other/x"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway, path: "/other/x"));

        config["Gateway"]!["RateLimiting"]!["Policies"]!["edited"]!["TokenLimit"] = 3;
        var before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(before);

        Assert.Equal("applied", report.Outcome);
        await WaitForTableAsync(gateway, report.ServingRevision);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway));
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway, path: "/other/x"));
    }

    [Fact]
    public async Task UnknownPolicy_OnReload_IsRefusedAndTheOldPolicyKeepsServing()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var config = RateLimitTestConfig.WithPolicy(backends.Instances, RateLimitTestConfig.Bucket(1));
        await using var gateway = await GatewayTestHost.StartAsync(config);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(gateway));

        config["ReverseProxy"]!["Routes"]!["api"]!["RateLimiterPolicy"] = "missing";
        var before = DateTimeOffset.UtcNow;
        await gateway.WriteConfigAsync(config);
        var report = await gateway.WaitForReloadAsync(before);

        Assert.Equal("rejected", report.Outcome);
        var error = Assert.Single(report.Errors);
        Assert.Equal("ReverseProxy:Routes:api:RateLimiterPolicy", error.Path);
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(gateway));
    }
}
