using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Shedding;

/// <summary>
/// The queue's wait follows how refused clients retry, seen on their own connections through a real Kestrel: the
/// refused route asked for again at once makes the wait QueueTimeout, clients that wait out Retry-After keep
/// PacedQueueTimeout.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class RetryHabitTests
{
    // More than a storm's worth of refusals a bucket (MinRefusalsToJudgeHabit) in one wave.
    private const int Clients = 64;

    // A limit pinned at 2 in front of a backend that holds each request 300 ms, and no queue: whoever finds the two
    // slots taken is refused at once, so every wave of clients brings refusals.
    private static JsonObject Config(global::SampleBackend.BackendInstance backend)
    {
        var config = TestConfig.SingleCluster([backend], routePath: "/api/{**rest}");
        config["ReverseProxy"]!["Clusters"]!["api"]!["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } };
        config["Gateway"] = new JsonObject
        {
            ["Shedding"] = new JsonObject
            {
                ["MinLimit"] = 2,
                ["InitialLimit"] = 2,
                ["MaxLimit"] = 2,
                ["CriticalReservedFraction"] = 0,
                ["QueueLimit"] = 0,
                ["QueueTimeout"] = "00:00:02",
                ["PacedQueueTimeout"] = "00:00:00.500",
            },
        };
        return config;
    }

    /// <summary>One client per connection, as devices hold theirs.</summary>
    private static HttpClient[] ClientsOf(GatewayTestHost gateway) =>
        [.. Enumerable.Range(0, Clients).Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false }) { BaseAddress = gateway.ProxyUrl })];

    private static async Task<HttpStatusCode> SendAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/x");
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    private static async Task<(string ClientsRetry, double QueueWait)> ClusterAsync(GatewayTestHost gateway)
    {
        using var clusters = await gateway.GetAdminJsonAsync("/admin/clusters");
        var cluster = clusters.RootElement.GetProperty("clusters")[0];
        return (cluster.GetProperty("clientsRetry").GetString()!, cluster.GetProperty("queueWaitSeconds").GetDouble());
    }

    [Fact]
    public async Task ClientsThatRetryARefusalAtOnce_GetTheWholeQueueTimeout()
    {
        await using var backends = await Backends.StartAsync(2, TimeSpan.FromMilliseconds(300), "a-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(Config(backends.Instances[0]));
        Assert.Equal(("unknown", 0.5), await ClusterAsync(gateway));
        var clients = ClientsOf(gateway);

        // Naive clients: a refusal is retried 50 ms later (the storm proof's naive client), on the same connection,
        // until it is served or 2 s have passed.
        var refusals = 0;
        var until = DateTime.UtcNow.AddSeconds(2);
        await Task.WhenAll(clients.Select(async client =>
        {
            while (await SendAsync(client) == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < until)
            {
                Interlocked.Increment(ref refusals);
                await Task.Delay(50);
            }
        }));

        Assert.True(refusals >= 100, $"only {refusals} refusals");
        Assert.Equal(("at_once", 2.0), await ClusterAsync(gateway));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task ClientsThatWaitOutRetryAfter_KeepThePacedQueueTimeout()
    {
        await using var backends = await Backends.StartAsync(2, TimeSpan.FromMilliseconds(300), "a-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(Config(backends.Instances[0]));
        var clients = ClientsOf(gateway);

        // A wave, refused but for two; the refused come back after the Retry-After (a second at least), twice.
        var refused = clients;
        for (var wave = 0; wave < 3 && refused.Length > 0; wave++)
        {
            var statuses = await Task.WhenAll(refused.Select(SendAsync));
            refused = [.. refused.Where((_, i) => statuses[i] == HttpStatusCode.ServiceUnavailable)];
            if (wave == 0)
            {
                Assert.True(refused.Length >= Clients - 4, $"only {refused.Length} of {Clients} refused in the first wave");
            }

            await Task.Delay(TimeSpan.FromSeconds(1.1));
        }

        Assert.Equal(("after_retry_after", 0.5), await ClusterAsync(gateway));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
