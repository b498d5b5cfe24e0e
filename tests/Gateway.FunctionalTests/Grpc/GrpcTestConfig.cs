using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.FunctionalTests.Grpc;

/// <summary>Gateways in front of <see cref="GrpcBackend"/>s, and gRPC clients that call through them.</summary>
internal static class GrpcTestConfig
{
    /// <summary>
    /// One route for every path onto cluster <c>grpc</c> (<c>Metadata.Protocol</c> grpc) of <paramref name="destinations"/>,
    /// passive health off (a refusal test must see the answer it sets up, not an ejection).
    /// </summary>
    public static JsonObject Config(params Uri[] destinations)
    {
        var named = new JsonObject();
        for (var i = 0; i < destinations.Length; i++)
        {
            named[$"d{i}"] = new JsonObject { ["Address"] = destinations[i].ToString() };
        }

        return new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["grpc"] = new JsonObject { ["ClusterId"] = "grpc", ["Match"] = new JsonObject { ["Path"] = "/{**rest}" } },
                },
                ["Clusters"] = new JsonObject
                {
                    ["grpc"] = new JsonObject
                    {
                        ["Destinations"] = named,
                        ["Metadata"] = new JsonObject { ["Protocol"] = "grpc" },
                        ["HealthCheck"] = new JsonObject { ["Passive"] = new JsonObject { ["Enabled"] = false } },
                    },
                },
            },
            ["Gateway"] = new JsonObject(),
        };
    }

    /// <summary>Gives cluster <c>grpc</c> the resilience policy <paramref name="policy"/>.</summary>
    public static JsonObject WithPolicy(JsonObject config, JsonObject policy)
    {
        config["ReverseProxy"]!["Clusters"]!["grpc"]!["Metadata"]!["ResiliencePolicy"] = "p";
        config["Gateway"]!["Resilience"] = new JsonObject { ["Policies"] = new JsonObject { ["p"] = policy } };
        return config;
    }

    /// <summary>A gateway whose proxy listener speaks h2c, as gRPC clients without TLS need.</summary>
    public static Task<GatewayTestHost> StartGatewayAsync(JsonObject config) =>
        GatewayTestHost.StartAsync(config, "--Gateway:Limits:Protocols=Http2");

    public static GrpcChannel Channel(GatewayTestHost gateway) => Channel(gateway.ProxyUrl);

    public static GrpcChannel Channel(Uri endpoint) =>
        GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });

    public static async Task<string> SayAsync(GrpcChannel channel, string name, DateTime? deadline = null) =>
        await channel.CreateCallInvoker().AsyncUnaryCall(EchoMethods.Say, null, new CallOptions(deadline: deadline), name);

    /// <summary>Calls <paramref name="method"/> expecting the gateway to refuse it; returns the refusal.</summary>
    public static async Task<RpcException> RefusedAsync(GrpcChannel channel, Method<string, string>? method = null) =>
        await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.CreateCallInvoker().AsyncUnaryCall(method ?? EchoMethods.Say, null, default, "x"));

    /// <summary>
    /// A gRPC call as bytes on HTTP/2, without a gRPC client (which would enforce <c>grpc-timeout</c> itself): shows
    /// what the gateway answers.
    /// </summary>
    public static async Task<HttpResponseMessage> RawCallAsync(GatewayTestHost gateway, string path, string message, string? grpcTimeout = null)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(message);
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame, 5);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.ProxyUrl, path))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (grpcTimeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", grpcTimeout);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
