using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace Gateway.FunctionalTests.Admin.OperatorConsole;

public sealed class OperatorConsoleEndpointsTests
{
    private const string AdminKey = "endpoints-test-key-0123456789";

    [Fact]
    public async Task Page_WithApiKey_PageOpenButStatsNeedTheKey()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(WithKey(TestConfig.SingleCluster(backends.Instances)));

        using var page = await gateway.Admin.GetAsync("/");
        using var script = await gateway.Admin.GetAsync("/console/console.js");
        using var statsWithoutKey = await gateway.Admin.GetAsync("/admin/stats");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/stats");
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var statsWithKey = await gateway.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, statsWithoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, statsWithKey.StatusCode);
    }

    [Fact]
    public async Task Asset_SameETag_NotModified()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));
        using var first = await gateway.Admin.GetAsync("/console/console.css");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/console/console.css");
        again.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.Tag);

        using var second = await gateway.Admin.SendAsync(again);
        using var missing = await gateway.Admin.GetAsync("/console/nope.js");

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Page_OnProxyListener_NotServed()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));

        using var response = await gateway.Proxy.GetAsync("/console/console.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Stats_ProxiedAndRefusedRequests_CountedWithoutTheAdminCalls()
    {
        await using var backends = await Backends.StartAsync("eu-1@eu-west");
        await using var gateway = await GatewayTestHost.StartAsync(TestConfig.SingleCluster(backends.Instances));
        for (var i = 0; i < 5; i++)
        {
            (await gateway.GetAsync("/api/counted")).Response.Dispose();
            (await gateway.Admin.GetAsync("/admin/clusters")).Dispose();
        }

        await backends.Instances[0].DownAsync();
        (await gateway.GetAsync("/api/refused")).Response.Dispose();
        await Task.Delay(1100); // the second under way is not reported

        using var stats = await gateway.GetAdminJsonAsync("/admin/stats?seconds=30");
        var root = stats.RootElement;

        Assert.Equal(30, root.GetProperty("seconds").GetInt32());
        Assert.Equal(6, Sum(root.GetProperty("requests")));
        Assert.Equal(1, Sum(root.GetProperty("errors")));
        Assert.Equal(1, Sum(root.GetProperty("rejections").GetProperty("upstream-unreachable")));
        Assert.Contains(root.GetProperty("p99Ms").EnumerateArray(), v => v.ValueKind == JsonValueKind.Number);
    }

    private static long Sum(JsonElement array) => array.EnumerateArray().Sum(v => v.GetInt64());

    private static JsonObject WithKey(JsonObject config)
    {
        config["Gateway"] = new JsonObject { ["Admin"] = new JsonObject { ["ApiKey"] = AdminKey } };
        return config;
    }
}
