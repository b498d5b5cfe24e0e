using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Gateway.FunctionalTests.Grpc;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>
/// Proxy listeners declared under <c>Kestrel:Endpoints</c>: one gateway with an HTTP/1.1 endpoint (<c>web</c>) and an
/// h2c endpoint (<c>grpc</c>), each proven to get the gateway's edge: connection cap, accept queue, limits, admin separation.
/// </summary>
public sealed class KestrelEndpointsTests
{
    private static (Uri Web, Uri Grpc) Ports() =>
        (new Uri($"http://127.0.0.1:{FreePort.Next()}/"), new Uri($"http://127.0.0.1:{FreePort.Next()}/"));

    /// <summary>Routes <c>/api/ws</c> to a WebSocket backend, <c>/test.Echo/*</c> to a gRPC one, <c>/api/*</c> to a sample backend.</summary>
    private static JsonObject Config(WebSocketBackend? webSockets = null, GrpcBackend? grpc = null, global::SampleBackend.SampleBackendHost? api = null, JsonObject? limits = null)
    {
        var config = GrpcTestConfig.Config(grpc?.Url ?? new Uri("http://127.0.0.1:1/"));
        var proxy = config["ReverseProxy"]!;
        proxy["Routes"]!["grpc"]!["Match"]!["Path"] = "/test.Echo/{**rest}";
        proxy["Routes"]!["ws"] = new JsonObject { ["ClusterId"] = "ws", ["Match"] = new JsonObject { ["Path"] = "/api/ws" } };
        proxy["Clusters"]!["ws"] = new JsonObject
        {
            ["Destinations"] = new JsonObject { ["d"] = new JsonObject { ["Address"] = (webSockets?.Url ?? new Uri("http://127.0.0.1:1/")).ToString() } },
        };
        proxy["Routes"]!["api"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" } };
        proxy["Clusters"]!["api"] = TestConfig.Cluster(api?.Instances ?? []);
        if (limits is not null)
        {
            config["Gateway"]!["Limits"] = limits;
        }

        return config;
    }

    private static Task<GatewayTestHost> StartAsync(JsonObject config, Uri web, Uri grpc) =>
        GatewayTestHost.StartWithEndpointsAsync(config, ("web", web, "Http1"), ("grpc", grpc, "Http2"));

    private static HttpClient H2c(Uri endpoint) => new(new SocketsHttpHandler())
    {
        BaseAddress = endpoint,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task OneGateway_WebSocketsOnTheHttp1Endpoint_GrpcOnTheH2cEndpoint()
    {
        await using var webSockets = await WebSocketBackend.StartAsync();
        await using var grpc = await GrpcBackend.StartAsync();
        var (web, grpcUrl) = Ports();
        await using var gateway = await StartAsync(Config(webSockets, grpc), web, grpcUrl);

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{web.Port}/api/ws"), CancellationToken.None);
        var echoed = await WebSocketBackend.EchoAsync(socket, "ping");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        using var channel = GrpcTestConfig.Channel(grpcUrl);
        var answer = await GrpcTestConfig.SayAsync(channel, "both");

        Assert.Equal("ping", echoed);
        Assert.Equal("hello both", answer);
    }

    [Fact]
    public async Task EachEndpoint_SpeaksOnlyItsProtocol()
    {
        await using var api = await Backends.StartAsync("eu-1@eu-west");
        var (web, grpcUrl) = Ports();
        await using var gateway = await StartAsync(Config(api: api), web, grpcUrl);
        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var h2c = H2c(grpcUrl);

        using var onWeb = await http1.GetAsync(new Uri(web, "/api/x"));
        using var onGrpc = await h2c.GetAsync("/api/x");
        var http1OnGrpc = await RawHttp.SendAsync(grpcUrl, "GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n", TimeSpan.FromSeconds(2));
        using var h2cOnWeb = H2c(web);
        var h2cRefused = await Record.ExceptionAsync(() => h2cOnWeb.GetAsync("/api/x"));

        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version11), (onWeb.StatusCode, onWeb.Version));
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (onGrpc.StatusCode, onGrpc.Version));
        Assert.DoesNotContain("200 OK", http1OnGrpc, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(h2cRefused);
    }

    [Fact]
    public async Task ConnectionCap_CountsBothEndpoints_AdminStillAnswers()
    {
        await using var api = await Backends.StartAsync("eu-1@eu-west");
        var (web, grpcUrl) = Ports();
        await using var gateway = await StartAsync(Config(api: api, limits: new JsonObject { ["MaxConcurrentConnections"] = 2 }), web, grpcUrl);

        // One kept-alive connection on each endpoint: the cap of 2 is full.
        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var h2c = H2c(grpcUrl);
        (await http1.GetAsync(new Uri(web, "/api/x"))).Dispose();
        (await h2c.GetAsync("/api/x")).Dispose();

        var thirdOnWeb = await RawHttp.GetStatusFromAsync(web, IPAddress.Loopback);
        var thirdOnGrpc = await RawHttp.SendAsync(grpcUrl, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", TimeSpan.FromSeconds(2));
        using var health = await gateway.Admin.GetAsync("/healthz");

        Assert.Equal(0, thirdOnWeb);
        Assert.Equal(string.Empty, thirdOnGrpc);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task HeaderLimit_AppliesOnBothEndpoints()
    {
        await using var api = await Backends.StartAsync("eu-1@eu-west");
        var (web, grpcUrl) = Ports();
        await using var gateway = await StartAsync(Config(api: api, limits: new JsonObject { ["MaxRequestHeaderCount"] = 5 }), web, grpcUrl);
        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var h2c = H2c(grpcUrl);

        using var onWeb = await http1.SendAsync(ManyHeaders(new Uri(web, "/api/x")));
        using var onGrpc = await h2c.SendAsync(ManyHeaders(new Uri(grpcUrl, "/api/x")));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, onWeb.StatusCode);
        // Kestrel's HTTP/2 answers a header count over the limit with 400 rather than 431.
        Assert.Equal(HttpStatusCode.BadRequest, onGrpc.StatusCode);
        Assert.Equal(0, api.Instances[0].Capacity.Served);
    }

    [Fact]
    public async Task AdminPaths_NotServedOnEitherEndpoint()
    {
        var (web, grpcUrl) = Ports();
        await using var gateway = await StartAsync(Config(), web, grpcUrl);
        using var http1 = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var h2c = H2c(grpcUrl);

        using var onWeb = await http1.GetAsync(new Uri(web, "/admin/config"));
        using var onGrpc = await h2c.GetAsync("/admin/config");
        using var onAdmin = await gateway.Admin.GetAsync("/admin/config");

        Assert.Equal(HttpStatusCode.NotFound, onWeb.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onGrpc.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onAdmin.StatusCode);
    }

    [Fact]
    public async Task AcceptQueue_ListenBacklogOnBothEndpoints()
    {
        var (web, grpcUrl) = Ports();
        await using var gateway = await StartAsync(Config(limits: new JsonObject { ["ListenBacklog"] = 100 }), web, grpcUrl);

        // For a listening socket, ss reports its accept queue's size as Send-Q (Kestrel's own default is 512).
        var (exit, listening, stderr) = await ProcessRunner.RunAsync("ss", Path.GetTempPath(), "-Hltn");

        Assert.True(exit == 0, stderr);
        Assert.Equal(100, Backlog(listening, web.Port));
        Assert.Equal(100, Backlog(listening, grpcUrl.Port));
    }

    private static int Backlog(string listening, int port)
    {
        foreach (var line in listening.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length >= 4 && columns[3].EndsWith($":{port}", StringComparison.Ordinal))
            {
                return int.Parse(columns[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no listener on port {port} in: {listening}");
    }

    private static HttpRequestMessage ManyHeaders(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        for (var i = 0; i < 10; i++)
        {
            request.Headers.TryAddWithoutValidation($"x-h{i}", "v");
        }

        return request;
    }
}
