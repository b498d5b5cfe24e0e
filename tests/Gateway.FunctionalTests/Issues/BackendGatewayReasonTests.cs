using System.Net;
using Gateway.Telemetry;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 17, item 12: a backend's <c>X-Gateway-Reason</c> reached the client, so a backend could pass its own answer
/// off as a refusal by the gateway, to clients and in the console.
/// </summary>
public sealed class BackendGatewayReasonTests
{
    [Fact]
    public async Task BackendSendsGatewayReason_ClientGetsTheStatusWithoutIt_ConsoleCountsNoRefusal()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var backend = builder.Build();
        backend.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers[GatewayReason.HeaderName] = GatewayReason.RateLimited;
            return context.Response.WriteAsync("slow down");
        });
        await backend.StartAsync();
        var config = TestConfig.SingleCluster([]);
        config["ReverseProxy"]!["Clusters"]!["api"]!["Destinations"] = new System.Text.Json.Nodes.JsonObject
        {
            ["fake"] = new System.Text.Json.Nodes.JsonObject { ["Address"] = $"http://127.0.0.1:{port}/" },
        };
        await using var gateway = await GatewayTestHost.StartAsync(config);

        using var response = await gateway.Proxy.GetAsync("/api/x");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.False(response.Headers.Contains(GatewayReason.HeaderName));
        Assert.Equal("slow down", await response.Content.ReadAsStringAsync());
        // The console's series leave out the second under way: wait until the request shows, then look at its reasons.
        var stats = gateway.Services.GetRequiredService<TrafficStats>();
        await Eventually.TrueAsync(() => Task.FromResult(stats.Read(5).Requests.Sum() >= 1), TimeSpan.FromSeconds(3));
        Assert.All(stats.Read(5).Rejections, reason => Assert.Equal(0, reason.Value.Sum()));
    }
}
