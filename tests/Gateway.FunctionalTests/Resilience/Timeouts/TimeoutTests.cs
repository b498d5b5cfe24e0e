using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Resilience;

public sealed class TimeoutTests
{
    [Fact]
    public async Task HangingBackend_Answers504AtTimeout_AndNothingStaysInFlight()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, new JsonObject { ["Timeout"] = "00:00:00.500" }));

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream-timeout", Reason(response));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await Eventually.TrueAsync(async () => (await DestinationAsync(gateway, "api", "eu-1")).GetProperty("inFlight").GetInt32() == 0, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task TotalTimeout_WithTwoHangingDestinations_IsNotRetriedAfterThe504()
    {
        // The retry step's work rides on the total timeout's await: a retry begun after the 504 (outside the total
        // time) would sit on the other destination with nobody to answer, in flight for good.
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west");
        backends.Instances[0].Faults.Hang = true;
        backends.Instances[1].Faults.Hang = true;
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, new JsonObject { ["Timeout"] = "00:00:00.500" }));

        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("upstream-timeout", Reason(response));
        }

        foreach (var destination in new[] { "eu-1", "eu-2" })
        {
            await Eventually.TrueAsync(async () => (await DestinationAsync(gateway, "api", destination)).GetProperty("inFlight").GetInt32() == 0, TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task RouteMetadataTimeout_OverridesThePolicy()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        var config = SingleCluster(backends.Instances, new JsonObject { ["Timeout"] = "00:00:20" });
        config["ReverseProxy"]!["Routes"]!["api"]!["Metadata"] = new JsonObject { ["Timeout"] = "00:00:00.300" };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Equal("upstream-timeout", Reason(response));
    }

    [Fact]
    public async Task AttemptTimeout_RetriesOnAnotherDestination()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west");
        backends.Instances[0].Faults.Hang = true;
        var policy = new JsonObject { ["Timeout"] = "00:00:05", ["AttemptTimeout"] = "00:00:00.300" };
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, policy));

        for (var i = 0; i < 8; i++)
        {
            using var response = await gateway.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("eu-2", (await EchoAsync(response))!.Instance);
        }
    }

    [Fact]
    public async Task AttemptTimeout_WithoutRetry_Answers504()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        var policy = new JsonObject { ["Timeout"] = "00:00:05", ["AttemptTimeout"] = "00:00:00.300" };
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, policy));

        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream-timeout", Reason(response));
    }

    [Fact]
    public async Task Deadline_IsSentAsRemainingMilliseconds_AndAClientValueIsReplaced()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        var policy = new JsonObject { ["Timeout"] = "00:00:05", ["AttemptTimeout"] = "00:00:02" };
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, policy));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        request.Headers.Add("X-Request-Deadline", "999999999");
        using var response = await gateway.Proxy.SendAsync(request);

        var echo = await EchoAsync(response);
        var deadline = long.Parse(echo!.Headers["X-Request-Deadline"], CultureInfo.InvariantCulture);
        Assert.InRange(deadline, 1000, 2000);
    }

    [Fact]
    public async Task ClientDeadline_TighterThanThePolicy_Answers504AtTheClientsDeadline()
    {
        // The client stops listening after 400 ms; the backend's work is cancelled then, not at the policy's 5 s.
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        backends.Instances[0].Faults.Hang = true;
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, new JsonObject { ["Timeout"] = "00:00:05" }));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        request.Headers.Add("X-Request-Deadline", "400");
        var clock = Stopwatch.StartNew();
        using var response = await gateway.Proxy.SendAsync(request);

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream-timeout", Reason(response));
        await Eventually.TrueAsync(async () => (await DestinationAsync(gateway, "api", "eu-1")).GetProperty("inFlight").GetInt32() == 0, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task ClientDeadline_TighterThanThePolicy_IsWhatTheBackendIsTold()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, new JsonObject { ["Timeout"] = "00:00:05" }));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        request.Headers.Add("X-Request-Deadline", "1500");
        using var response = await gateway.Proxy.SendAsync(request);

        var echo = await EchoAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(long.Parse(echo!.Headers["X-Request-Deadline"], CultureInfo.InvariantCulture), 500, 1500);
    }

    [Fact]
    public async Task Deadline_ClusterWithoutPolicy_ClientValueIsRemoved()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/x");
        request.Headers.Add("X-Request-Deadline", "1");
        using var response = await gateway.Proxy.SendAsync(request);

        var echo = await EchoAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(echo!.Headers.ContainsKey("X-Request-Deadline"));
    }
}
