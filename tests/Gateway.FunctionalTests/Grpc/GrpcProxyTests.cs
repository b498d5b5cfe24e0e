using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Grpc.Core;
using static Gateway.FunctionalTests.Grpc.GrpcTestConfig;

namespace Gateway.FunctionalTests.Grpc;

/// <summary>
/// gRPC through the gateway over h2c, a Grpc.Net.Client client and a Grpc.AspNetCore backend: calls that reach the
/// backend, deadlines, and the gRPC status of every answer the gateway gives itself.
/// </summary>
public sealed class GrpcProxyTests
{
    [Fact]
    public async Task Unary_ClusterDeclaredGrpc_ReachesTheBackendOverH2c()
    {
        await using var backend = await GrpcBackend.StartAsync();
        await using var gateway = await StartGatewayAsync(Config(backend.Url));
        using var channel = Channel(gateway);

        Assert.Equal("hello there", await SayAsync(channel, "there"));
    }

    [Fact]
    public async Task ServerStreaming_EveryMessageArrivesInOrder()
    {
        await using var backend = await GrpcBackend.StartAsync();
        await using var gateway = await StartGatewayAsync(Config(backend.Url));
        using var channel = Channel(gateway);

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(EchoMethods.Count, null, default, "20:5");
        var received = new List<string>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            received.Add(message);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    /// <summary>The backend's deadline is the tighter of the client's and the policy's, rewritten in milliseconds.</summary>
    [Theory]
    [InlineData(30, 5, 3, 5)]
    [InlineData(2, 60, 1, 2)]
    public async Task Deadline_TheTighterOfClientAndPolicy_ReachesTheBackend(int policySeconds, int clientSeconds, int minLeft, int maxLeft)
    {
        await using var backend = await GrpcBackend.StartAsync();
        var policy = new JsonObject { ["Timeout"] = TimeSpan.FromSeconds(policySeconds).ToString("c", System.Globalization.CultureInfo.InvariantCulture) };
        await using var gateway = await StartGatewayAsync(WithPolicy(Config(backend.Url), policy));
        using var channel = Channel(gateway);

        await SayAsync(channel, "x", DateTime.UtcNow.AddSeconds(clientSeconds));

        var seen = Assert.Single(backend.Calls);
        Assert.NotNull(seen.DeadlineLeft);
        Assert.InRange(seen.DeadlineLeft.Value, TimeSpan.FromSeconds(minLeft), TimeSpan.FromSeconds(maxLeft));
        // A client writes its own unit; the gateway's rewrite is in milliseconds.
        Assert.EndsWith("m", seen.GrpcTimeout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_BackendSilentPastGrpcTimeout_GatewayAnswersDeadlineExceeded()
    {
        await using var backend = await GrpcBackend.StartAsync();
        await using var gateway = await StartGatewayAsync(WithPolicy(Config(backend.Url), new JsonObject { ["Timeout"] = "00:00:30" }));

        // Not a gRPC client, which would give up on its own at its deadline: the answer here is the gateway's.
        var clock = Stopwatch.StartNew();
        using var response = await RawCallAsync(gateway, "/test.Echo/Hang", "x", grpcTimeout: "300m");

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("4", Header(response, "grpc-status"));
        Assert.StartsWith("upstream-timeout", Header(response, "grpc-message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStreaming_CutByRouteTimeout_EndsWithDeadlineExceeded()
    {
        await using var backend = await GrpcBackend.StartAsync();
        await using var gateway = await StartGatewayAsync(WithPolicy(Config(backend.Url), new JsonObject { ["Timeout"] = "00:00:01" }));
        using var channel = Channel(gateway);

        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(EchoMethods.Count, null, default, "0:50");
        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
                received++;
            }
        });

        // Before the gateway ended it with a status, YARP reset the stream and the client saw INTERNAL.
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.StartsWith("upstream-timeout", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(received > 3, $"{received} messages before the deadline");
    }

    [Fact]
    public async Task RateLimited_ResourceExhausted()
    {
        await using var backend = await GrpcBackend.StartAsync();
        var config = Config(backend.Url);
        config["ReverseProxy"]!["Routes"]!["grpc"]!["RateLimiterPolicy"] = "one";
        config["Gateway"]!["RateLimiting"] = new JsonObject
        {
            ["Policies"] = new JsonObject { ["one"] = RateLimiting.RateLimitTestConfig.Bucket(1) },
        };
        await using var gateway = await StartGatewayAsync(config);
        using var channel = Channel(gateway);
        await SayAsync(channel, "first");

        var refused = await RefusedAsync(channel);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("rate-limited", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overloaded_UnavailableWithRetryPushback()
    {
        await using var backend = await GrpcBackend.StartAsync();
        var policy = new JsonObject { ["Bulkhead"] = new JsonObject { ["MaxConcurrentRequests"] = 1 } };
        await using var gateway = await StartGatewayAsync(WithPolicy(Config(backend.Url), policy));
        using var channel = Channel(gateway);
        using var held = new CancellationTokenSource();
        using var hanging = channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Hang, null, new CallOptions(cancellationToken: held.Token), "x");
        await Eventually.TrueAsync(() => Task.FromResult(!backend.Calls.IsEmpty));

        var refused = await RefusedAsync(channel);
        using var raw = await RawCallAsync(gateway, "/test.Echo/Say", "x");
        await held.CancelAsync();

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.StartsWith("overloaded", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("14", Header(raw, "grpc-status"));
        var seconds = int.Parse(Header(raw, "Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((seconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(raw, "grpc-retry-pushback-ms"));
    }

    [Fact]
    public async Task CircuitOpen_Unavailable()
    {
        var closedPort = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var policy = new JsonObject
        {
            ["CircuitBreaker"] = new JsonObject { ["MinimumThroughput"] = 2, ["BreakDuration"] = "00:01:00", ["MaxBreakDuration"] = "00:02:00" },
            ["Retry"] = new JsonObject { ["MaxAttempts"] = 1 },
        };
        await using var gateway = await StartGatewayAsync(WithPolicy(Config(closedPort), policy));
        using var channel = Channel(gateway);
        await RefusedAsync(channel);
        await RefusedAsync(channel);

        var refused = await RefusedAsync(channel);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.StartsWith("circuit-open", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoHealthyDestination_Unavailable()
    {
        await using var gateway = await StartGatewayAsync(Config());
        using var channel = Channel(gateway);

        var refused = await RefusedAsync(channel);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.StartsWith("no-healthy-destination", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamUnreachable_Unavailable()
    {
        await using var gateway = await StartGatewayAsync(Config(new Uri($"http://127.0.0.1:{FreePort.Next()}/")));
        using var channel = Channel(gateway);

        var refused = await RefusedAsync(channel);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.StartsWith("upstream-unreachable", refused.Status.Detail, StringComparison.Ordinal);
    }
}
