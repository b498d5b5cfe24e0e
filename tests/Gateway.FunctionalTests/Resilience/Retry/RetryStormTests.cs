using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Xunit.Abstractions;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Resilience;

/// <summary>
/// Retry storm containment: every destination fails every request; the budget keeps the load the backends see near
/// the clients' own request count instead of multiplying it by MaxAttempts.
/// </summary>
public sealed class RetryStormTests(ITestOutputHelper output)
{
    private const int Requests = 200;

    private static JsonObject Policy(double budgetPercent, double minRetriesPerSecond) => new()
    {
        // The breaker would stop the storm by itself; this measures the budget alone.
        ["CircuitBreaker"] = new JsonObject { ["Enabled"] = false },
        ["Retry"] = new JsonObject
        {
            ["MaxAttempts"] = 2,
            ["BackoffBaseDelay"] = "00:00:00.001",
            ["BudgetPercent"] = budgetPercent,
            ["MinRetriesPerSecond"] = minRetriesPerSecond,
            ["StatusCodes"] = new JsonArray(500, 502, 503),
        },
    };

    private static async Task<long> BackendRequestsForAsync(JsonObject policy)
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west");
        foreach (var instance in backends.Instances)
        {
            instance.Faults.ErrorRate = 1;
        }

        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, policy));
        var next = -1;
        var workers = Enumerable.Range(0, 8).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < Requests)
            {
                using var response = await gateway.Proxy.GetAsync("/api/x");
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            }
        });
        await Task.WhenAll(workers);
        return backends.Instances.Sum(i => i.Capacity.Served);
    }

    [Fact]
    public async Task FailingEverything_WithBudget_BackendSeesAtMostBudgetPercentMore()
    {
        var seen = await BackendRequestsForAsync(Policy(budgetPercent: 20, minRetriesPerSecond: 3));

        output.WriteLine($"budget 20%, MaxAttempts 2: {Requests} client requests -> {seen} backend requests");
        // 200 x 1.2 = 240; the constant covers retries decided concurrently at the edge of the window.
        Assert.InRange(seen, Requests + 1, (long)(Requests * 1.2) + 10);
    }

    [Fact]
    public async Task FailingEverything_WithoutBudget_EveryRequestIsRetried()
    {
        var seen = await BackendRequestsForAsync(Policy(budgetPercent: 100, minRetriesPerSecond: 10_000));

        output.WriteLine($"no budget (100%), MaxAttempts 2: {Requests} client requests -> {seen} backend requests");
        Assert.Equal(Requests * 2, seen);
    }

    [Fact]
    public async Task NotIdempotent_IsNeverRetried()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west", "eu-2@eu-west");
        foreach (var instance in backends.Instances)
        {
            instance.Faults.ErrorRate = 1;
        }

        await using var gateway = await GatewayTestHost.StartAsync(SingleCluster(backends.Instances, Policy(budgetPercent: 100, minRetriesPerSecond: 10_000)));
        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.Proxy.PostAsync("/api/x", new StringContent("{}"));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        Assert.Equal(10, backends.Instances.Sum(i => i.Capacity.Served));
    }
}
