using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>--refusals [requests] [--types]</c>: bytes the gateway allocates per refusal, a forged token's 401 against a
/// rate-limit 429 (issue 21: a refusal for a bad token costs no more than a rate-limit refusal), on bench.sh's
/// gateway-jwt-flood config (the valid clients' route, /forged with the same JWT policy, /limited whose rate limit
/// refuses everything). Each flood request is what bench.sh's flood sends: the bench token's header and claims with a
/// random canonical 342-character signature, to /forged/x or /limited/x. The client is a raw socket sending
/// requests built before measuring and reading answers into one buffer, so what is counted is the gateway's own
/// (plus background timers spread over N): the two variants differ only in the route and what refuses them.
/// </summary>
internal static class RefusalAllocation
{
    private const int WarmUp = 3000;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 20000;
        var types = Array.IndexOf(args, "--types") >= 0;
        await using var backend = await AllocationBreakdown.StartBackendAsync();
        var directory = Path.Combine(Path.GetTempPath(), "gateway-refusals-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var (jwks, prefix) = JwtSetup();
            var jwksFile = Path.Combine(directory, "jwks.json");
            await File.WriteAllTextAsync(jwksFile, jwks);
            var (app, gatewayDirectory) = await AllocationBreakdown.StartGatewayAsync(Config(backend.Urls.First() + "/", jwksFile));
            try
            {
                var port = new Uri(app.Urls.First()).Port;
                Console.WriteLine("| refusal | status | bytes/refusal |");
                Console.WriteLine("|---|---:|---:|");
                foreach (var (name, path, status) in new[] { ("forged token (401)", "/forged/x", 401), ("rate limited (429)", "/limited/x", 429) })
                {
                    var bytes = await MeasureAsync(name, port, path, prefix, status, requests, types);
                    Console.WriteLine($"| {name} | {status} | {bytes:F0} |");
                }
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
                Directory.Delete(gatewayDirectory, recursive: true);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    private static async Task<double> MeasureAsync(string name, int port, string path, string prefix, int status, int requests, bool types)
    {
        var warm = Requests(path, prefix, WarmUp);
        var measured = Requests(path, prefix, requests);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var buffer = new byte[64 * 1024];
        // The warm-up takes any answer: /limited lets its first request through.
        foreach (var request in warm)
        {
            await RoundTripAsync(socket, request, buffer, status: null);
        }

        using var sampler = types ? new AllocationBreakdown.AllocationSampler() : null;
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        foreach (var request in measured)
        {
            await RoundTripAsync(socket, request, buffer, status);
        }

        var after = GC.GetTotalAllocatedBytes(precise: true);
        sampler?.Print(name, requests);
        return (after - before) / (double)requests;
    }

    /// <summary>Sends one request and reads its whole answer (headers, then Content-Length bytes) into the buffer.</summary>
    private static async Task RoundTripAsync(Socket socket, byte[] request, byte[] buffer, int? status)
    {
        await socket.SendAsync(request.AsMemory(), SocketFlags.None);
        var read = 0;
        var total = -1;
        while (total < 0 || read < total)
        {
            var got = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (got == 0)
            {
                throw new InvalidOperationException("the gateway closed the connection");
            }

            read += got;
            if (total < 0 && HeaderEnd(buffer.AsSpan(0, read)) is var end and > 0)
            {
                total = end + ContentLength(buffer.AsSpan(0, end));
                if (status is { } expected &&
                    !buffer.AsSpan(9, 3).SequenceEqual(Encoding.ASCII.GetBytes(expected.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                {
                    throw new InvalidOperationException($"expected {expected}: {Encoding.ASCII.GetString(buffer, 0, end)}");
                }
            }
        }
    }

    private static int HeaderEnd(ReadOnlySpan<byte> data) => data.IndexOf("\r\n\r\n"u8) is var i and >= 0 ? i + 4 : -1;

    private static int ContentLength(ReadOnlySpan<byte> headers)
    {
        var start = headers.IndexOf("Content-Length: "u8) + "Content-Length: ".Length;
        var length = headers[start..].IndexOf("\r\n"u8);
        return int.Parse(headers.Slice(start, length), provider: System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Flood requests as bench.sh's flood.lua builds them: a distinct random signature each.</summary>
    private static byte[][] Requests(string path, string prefix, int count)
    {
        var requests = new byte[count][];
        var signature = new char[342];
        for (var i = 0; i < count; i++)
        {
            for (var j = 0; j < 341; j++)
            {
                signature[j] = Alphabet[RandomNumberGenerator.GetInt32(64)];
            }

            // 2 bits and 4 zero bits: canonical base64url, so every token reaches the signature check.
            signature[341] = "AQgw"[RandomNumberGenerator.GetInt32(4)];
            requests[i] = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {prefix}{new string(signature)}\r\n\r\n");
        }

        return requests;
    }

    /// <summary>bench.sh's jwt_setup: an RSA key's JWKS (kid "bench") and a token's header and claims, signature to add.</summary>
    private static (string Jwks, string Prefix) JwtSetup()
    {
        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var jwks = $$"""{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"bench","n":"{{Base64UrlEncoder.Encode(parameters.Modulus)}}","e":"AQAB"}]}""";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("""{"alg":"RS256","typ":"JWT","kid":"bench"}""");
        var payload = Base64UrlEncoder.Encode($$"""{"iss":"https://bench.local","aud":"bench","sub":"bench-client","nbf":{{now - 60}},"exp":{{now + 86400}}}""");
        return (jwks, $"{header}.{payload}.");
    }

    /// <summary>bench-configs.sh's gateway_config jwt-flood.</summary>
    private static JsonObject Config(string backend, string jwksFile) => new()
    {
        ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        ["ReverseProxy"] = JsonNode.Parse($$"""
            {
              "Routes": {
                "all": { "ClusterId": "backend", "AuthorizationPolicy": "bench-jwt", "Match": { "Path": "/{**rest}" } },
                "forged": { "ClusterId": "backend", "AuthorizationPolicy": "bench-jwt", "Match": { "Path": "/forged/{**rest}" } },
                "limited": { "ClusterId": "backend", "RateLimiterPolicy": "refuse", "Match": { "Path": "/limited/{**rest}" } }
              },
              "Clusters": { "backend": { "Destinations": { "b1": { "Address": "{{backend}}", "Metadata": { "Region": "local" } } } } }
            }
            """),
        ["Gateway"] = JsonNode.Parse($$"""
            {
              "Identity": {
                "Jwt": { "Issuer": "https://bench.local", "Audiences": [ "bench" ], "JwksFile": {{JsonValue.Create(jwksFile).ToJsonString()}}, "Algorithms": [ "RS256" ] },
                "Policies": { "bench-jwt": { "Scheme": "Jwt" } }
              },
              "RateLimiting": { "Policies": { "refuse": { "Algorithm": "FixedWindow", "Scope": "Local", "PartitionBy": "ClientIp", "PermitLimit": 1, "Window": "01:00:00" } } }
            }
            """),
    };
}
