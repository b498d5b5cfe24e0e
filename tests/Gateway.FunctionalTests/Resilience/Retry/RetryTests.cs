using System.Net;
using System.Net.Http.Json;
using Gateway.FunctionalTests.Fixtures;
using SampleBackend;

namespace Gateway.FunctionalTests.Resilience;

/// <summary>
/// Which failed requests are sent to another destination. Two real instances: "bad" breaks in the way a test
/// chooses, "good" serves; a request that is not retried and lands on "bad" fails, so the client's failures plus
/// what "good" served add up to what was sent exactly when nothing was retried.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private const int Requests = 30;
    private SampleBackendHost _backends = null!;
    private GatewayTestHost _gateway = null!;
    private BackendInstance _bad = null!;
    private BackendInstance _good = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("bad@eu-west", "good@eu-west");
        _bad = _backends.Find("bad")!;
        _good = _backends.Find("good")!;
        var config = TestConfig.SingleCluster(_backends.Instances);
        // Outlier ejection would take "bad" out of rotation and hide whether requests are retried.
        config["ReverseProxy"]!["Clusters"]!["api"]!["HealthCheck"] = new System.Text.Json.Nodes.JsonObject
        {
            ["Passive"] = new System.Text.Json.Nodes.JsonObject { ["Enabled"] = false },
        };
        _gateway = await GatewayTestHost.StartAsync(config);
    }

    [Fact]
    public async Task Get_ConnectionReset_IsRetriedOnAnotherDestination()
    {
        _bad.Faults.Reset = true;

        var statuses = await SendAsync(HttpMethod.Get, idempotencyKey: false);

        Assert.All(statuses, s => Assert.Equal(200, s));
        Assert.Equal(Requests, _good.Capacity.Served);
    }

    [Fact]
    public async Task Get_503FromDestination_IsRetriedOnAnotherDestination()
    {
        _bad.Faults.ErrorStatus = 503;
        _bad.Faults.ErrorRate = 1;

        var statuses = await SendAsync(HttpMethod.Get, idempotencyKey: false);

        Assert.All(statuses, s => Assert.Equal(200, s));
        Assert.Equal(Requests, _good.Capacity.Served);
    }

    [Fact]
    public async Task Get_ConnectionRefused_IsRetriedOnAnotherDestination()
    {
        await _bad.DownAsync();

        var statuses = await SendAsync(HttpMethod.Get, idempotencyKey: false);

        Assert.All(statuses, s => Assert.Equal(200, s));
        Assert.Equal(Requests, _good.Capacity.Served);
    }

    [Fact]
    public async Task Post_WithoutIdempotencyKey_IsNotRetried()
    {
        _bad.Faults.Reset = true;

        var statuses = await SendAsync(HttpMethod.Post, idempotencyKey: false);

        var failed = statuses.Count(s => s != 200);
        Assert.True(failed > 0, "no POST landed on the resetting destination");
        Assert.All(statuses.Where(s => s != 200), s => Assert.Equal(502, s));
        Assert.Equal(Requests, failed + _good.Capacity.Served);
    }

    [Fact]
    public async Task Post_WithoutIdempotencyKey_ConnectionRefused_IsRetriedWithItsWholeBody()
    {
        // A refused connect sent nothing, so even a POST may go elsewhere (nginx's proxy_next_upstream does the same).
        await _bad.DownAsync();

        for (var i = 0; i < Requests; i++)
        {
            using var response = await _gateway.Proxy.PostAsync($"/api/retry/{i}", new ByteArrayContent(new byte[512]));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
            Assert.Equal(("good", "POST", 512L), (echo.Instance, echo.Method, echo.BodyBytes));
        }

        Assert.Equal(Requests, _good.Capacity.Served);
    }

    [Fact]
    public async Task Post_WithoutIdempotencyKey_503FromDestination_IsPassedOnNotRetried()
    {
        // The backend saw it: a second send could do the work twice.
        _bad.Faults.ErrorStatus = 503;
        _bad.Faults.ErrorRate = 1;

        var statuses = await SendAsync(HttpMethod.Post, idempotencyKey: false);

        var refused = statuses.Count(s => s == 503);
        Assert.True(refused > 0, "no POST landed on the failing destination");
        Assert.Equal(Requests, refused + _good.Capacity.Served);
    }

    [Fact]
    public async Task Post_WithIdempotencyKey_IsRetried()
    {
        _bad.Faults.Reset = true;

        var statuses = await SendAsync(HttpMethod.Post, idempotencyKey: true);

        Assert.All(statuses, s => Assert.Equal(200, s));
        Assert.Equal(Requests, _good.Capacity.Served);
    }

    [Fact]
    public async Task Get_ResetAfterTheResponseBegan_IsNotRetried()
    {
        _bad.Faults.ResetMidBody = true;

        var statuses = await SendAsync(HttpMethod.Get, idempotencyKey: false);

        var broken = statuses.Count(s => s != 200);
        Assert.True(broken > 0, "no GET landed on the destination that breaks mid-body");
        Assert.Equal(Requests, broken + _good.Capacity.Served);
    }

    [Fact]
    public async Task Get_500FromDestination_IsPassedOnNotRetried()
    {
        _bad.Faults.ErrorRate = 1;

        var statuses = await SendAsync(HttpMethod.Get, idempotencyKey: false);

        var errors = statuses.Count(s => s == 500);
        Assert.True(errors > 0, "no GET landed on the failing destination");
        Assert.Equal(Requests, errors + _good.Capacity.Served);
    }

    /// <returns>Each request's status; 0 when the response broke off.</returns>
    private async Task<List<int>> SendAsync(HttpMethod method, bool idempotencyKey)
    {
        var statuses = new List<int>();
        for (var i = 0; i < Requests; i++)
        {
            using var request = new HttpRequestMessage(method, $"/api/retry/{i}");
            if (method == HttpMethod.Post)
            {
                request.Content = new ByteArrayContent(new byte[512]);
            }

            if (idempotencyKey)
            {
                request.Headers.Add("Idempotency-Key", $"key-{i}");
            }

            try
            {
                using var response = await _gateway.Proxy.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                statuses.Add((int)response.StatusCode);
            }
            catch (HttpRequestException)
            {
                statuses.Add(0);
            }
        }

        return statuses;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backends.DisposeAsync();
    }
}
