using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>--alloc [requests]</c>: bytes allocated per proxied request, in-process and deterministic (unlike CPU time on a
/// shared machine). One loopback backend answers a 128-byte body; each variant (the gateway with bench.sh's
/// gateway-full config, then with one feature turned off at a time, gateway-none, and plain YARP with and without
/// listeners on the built-in meters) runs on its own loopback port, gets a warm-up, then N sequential GETs on one
/// keep-alive connection. Per request = (GC.GetTotalAllocatedBytes delta) / N, less the same for the client going
/// straight to the backend, so what is left is the proxy's own. Background work (timers, probes) is in the figure,
/// spread over N requests. With <c>--types</c> each variant also lists the types GC AllocationTick events sampled
/// (one sample per ~100 KB), to say what the bytes are.
/// With <c>--connections</c> every request carries <c>Connection: close</c>, so each comes on a fresh connection
/// (bench.sh's new-connection mode) and the figures are bytes per new connection, accept to close, request included.
/// Nothing is subtracted then: going straight to the backend would count the backend's own per-connection bytes, which
/// a proxy's pooled backend connection does not pay, so the client's share stays in every row and only the
/// differences between rows (the Δ column, against plain YARP's slim host) are a proxy's own.
/// </summary>
internal static class AllocationBreakdown
{
    private const int WarmUp = 3000;
    private static readonly byte[] s_body = "{\"instance\":\"bench\",\"region\":\"local\",\"note\":\"a small fixed body served from memory by the benchmark backend.......\"}"u8.ToArray();

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 20000;
        var types = Array.IndexOf(args, "--types") >= 0;
        var only = Array.IndexOf(args, "--only") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        if (Array.IndexOf(args, "--connections") >= 0)
        {
            return await RunConnectionsAsync(requests, types, only);
        }

        await using var backend = await StartBackendAsync();
        var backendUrl = backend.Urls.First() + "/";
        var direct = await MeasureAsync("direct (client to backend, subtracted below)", new Uri(backendUrl), requests, types);
        Console.WriteLine($"| variant | bytes/req | Δ vs gateway-full |");
        Console.WriteLine($"|---|---:|---:|");
        Console.WriteLine($"| direct (client + backend, subtracted from the rest) | {direct:F0} | |");

        double? full = null;
        foreach (var (name, config, env) in Variants(backendUrl))
        {
            if (only is not null && !name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            var perRequest = await MeasureGatewayAsync(config, env, url => MeasureAsync(name, url, requests, types)) - direct;
            full ??= perRequest;
            Console.WriteLine($"| {name} | {perRequest:F0} | {perRequest - full:+0;-0;0} |");
        }

        foreach (var (name, meters) in YarpVariants())
        {
            if (only is not null && !name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            using var listener = Listen(meters);
            await using var yarp = await StartPlainYarpAsync(backendUrl);
            var perRequest = await MeasureAsync(name, new Uri(yarp.Urls.First()), requests, types) - direct;
            Console.WriteLine($"| {name} | {perRequest:F0} | {perRequest - (full ?? 0):+0;-0;0} |");
        }

        return 0;
    }

    private static async Task<int> RunConnectionsAsync(int connections, bool types, string? only)
    {
        await using var backend = await StartBackendAsync();
        var backendUrl = backend.Urls.First() + "/";
        Console.WriteLine($"| variant | bytes/connection (client's share included) | Δ vs plain YARP (slim) |");
        Console.WriteLine($"|---|---:|---:|");
        double? slim = null;
        foreach (var (name, defaultHost, meters) in YarpConnectionVariants())
        {
            if (only is not null && !name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            using var listener = Listen(meters);
            await using var yarp = await StartPlainYarpAsync(backendUrl, defaultHost);
            var perConnection = await MeasureAsync(name, new Uri(yarp.Urls.First()), connections, types, close: true);
            slim ??= perConnection;
            Console.WriteLine($"| {name} | {perConnection:F0} | {perConnection - slim:+0;-0;0} |");
        }

        foreach (var (name, config, env) in ConnectionVariants(backendUrl))
        {
            if (only is not null && !name.Contains(only, StringComparison.Ordinal))
            {
                continue;
            }

            var perConnection = await MeasureGatewayAsync(config, env, url => MeasureAsync(name, url, connections, types, close: true));
            Console.WriteLine($"| {name} | {perConnection:F0} | {perConnection - (slim ?? 0):+0;-0;0} |");
        }

        return 0;
    }

    /// <summary>
    /// Starts an in-process gateway on <paramref name="config"/> with the variant's environment variables set, measures
    /// it, then stops it and clears them, so no variant's settings leak into the next.
    /// </summary>
    private static async Task<double> MeasureGatewayAsync(JsonObject config, (string Key, string Value)[] env, Func<Uri, Task<double>> measure)
    {
        foreach (var (key, value) in env)
        {
            Environment.SetEnvironmentVariable(key, value);
        }

        try
        {
            var (app, directory) = await StartGatewayAsync(config);
            try
            {
                return await measure(new Uri(app.Urls.First()));
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
                Directory.Delete(directory, recursive: true);
            }
        }
        finally
        {
            foreach (var (key, _) in env)
            {
                Environment.SetEnvironmentVariable(key, null);
            }
        }
    }

    private static IEnumerable<(string Name, bool DefaultHost, string[] Meters)> YarpConnectionVariants()
    {
        yield return ("plain YARP (slim builder, no logging providers)", false, []);
        yield return ("plain YARP + listener on Microsoft.AspNetCore.Server.Kestrel", false, ["Microsoft.AspNetCore.Server.Kestrel"]);
        yield return ("plain YARP, default host (CreateBuilder, logging at Warning)", true, []);
    }

    private static IEnumerable<(string Name, JsonObject Config, (string, string)[] Env)> ConnectionVariants(string backend)
    {
        yield return ("gateway-full (bench.sh config, shedding on by default)", Config(backend, full: true), []);
        yield return ("gateway-none (no policies, shedding on)", Config(backend, full: false), []);
        // Diagnostic only, not a setting to run with: Kestrel opens its per-connection log scope on its general logger,
        // which also carries unhandled-exception and slow-heartbeat lines; off, no provider takes the scope.
        var unscoped = Config(backend, full: false);
        unscoped["Logging"]!["LogLevel"]!["Microsoft.AspNetCore.Server.Kestrel"] = "None";
        yield return ("gateway-none, Kestrel's general logger off (no per-connection log scope; diagnostic)", unscoped, []);
        yield return ("gateway-none, shedding off", Config(backend, full: false, shedding: false), []);
        yield return ("gateway-none, no metrics (OTEL_SDK_DISABLED)", Config(backend, full: false), [("OTEL_SDK_DISABLED", "true")]);
    }

    private static IEnumerable<(string Name, JsonObject Config, (string, string)[] Env)> Variants(string backend)
    {
        yield return ("gateway-full (bench.sh config, shedding on by default)", Config(backend, full: true), []);
        yield return ("gateway-full, shedding off", Config(backend, full: true, shedding: false), []);
        yield return ("gateway-full, no rate limit", Config(backend, full: true, rateLimit: false), []);
        yield return ("gateway-full, no resilience policy", Config(backend, full: true, resilience: false), []);
        yield return ("gateway-full, no failover policy", Config(backend, full: true, failover: false), []);
        yield return ("gateway-full, no metrics (OTEL_SDK_DISABLED)", Config(backend, full: true), [("OTEL_SDK_DISABLED", "true")]);
        yield return ("gateway-none (no policies, shedding on)", Config(backend, full: false), []);
        yield return ("gateway-none, shedding off", Config(backend, full: false, shedding: false), []);
        yield return ("gateway-none, shedding off, no metrics", Config(backend, full: false, shedding: false), [("OTEL_SDK_DISABLED", "true")]);
    }

    private static IEnumerable<(string Name, string[] Meters)> YarpVariants()
    {
        yield return ("plain YARP (slim builder, no logging providers)", []);
        yield return ("plain YARP + listener on Microsoft.AspNetCore.Hosting", ["Microsoft.AspNetCore.Hosting"]);
        yield return ("plain YARP + listener on Microsoft.AspNetCore.Server.Kestrel", ["Microsoft.AspNetCore.Server.Kestrel"]);
        yield return ("plain YARP + listener on Microsoft.AspNetCore.Routing", ["Microsoft.AspNetCore.Routing"]);
        yield return ("plain YARP + listener on System.Net.Http", ["System.Net.Http"]);
    }

    private static JsonObject Config(string backend, bool full, bool shedding = true, bool rateLimit = true, bool resilience = true, bool failover = true)
    {
        var clusterMeta = new JsonObject();
        var gateway = new JsonObject { ["Shedding"] = new JsonObject { ["Enabled"] = shedding } };
        var route = new JsonObject { ["ClusterId"] = "backend", ["Match"] = new JsonObject { ["Path"] = "/{**rest}" } };
        if (full)
        {
            route["Metadata"] = new JsonObject { ["Priority"] = "default" };
            if (failover)
            {
                clusterMeta["FailoverPolicy"] = "local-first";
                gateway["Failover"] = JsonNode.Parse("""{ "Policies": { "local-first": { "Regions": [ "local", "remote" ] } } }""");
            }

            if (resilience)
            {
                clusterMeta["ResiliencePolicy"] = "standard";
                gateway["Resilience"] = JsonNode.Parse("""{ "Policies": { "standard": { "Timeout": "00:00:10" } } }""");
            }

            if (rateLimit)
            {
                route["RateLimiterPolicy"] = "never-trips";
                gateway["RateLimiting"] = JsonNode.Parse("""{ "Policies": { "never-trips": { "Algorithm": "TokenBucket", "Scope": "Local", "PartitionBy": "ClientIp", "TokenLimit": 1000000, "TokensPerPeriod": 1000000, "ReplenishmentPeriod": "00:00:01" } } }""");
            }
        }

        return new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject { ["all"] = route },
                ["Clusters"] = new JsonObject
                {
                    ["backend"] = new JsonObject
                    {
                        ["Metadata"] = clusterMeta,
                        ["Destinations"] = new JsonObject { ["b1"] = new JsonObject { ["Address"] = backend, ["Metadata"] = new JsonObject { ["Region"] = "local" } } },
                    },
                },
            },
            ["Gateway"] = gateway,
        };
    }

    private static async Task<double> MeasureAsync(string name, Uri target, int requests, bool types, bool close = false)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false }) { BaseAddress = target };
        var path = new Uri("/bench", UriKind.Relative);
        for (var i = 0; i < WarmUp; i++)
        {
            await GetAsync(client, path, close);
        }

        using var sampler = types ? new AllocationSampler() : null;
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < requests; i++)
        {
            await GetAsync(client, path, close);
        }

        var after = GC.GetTotalAllocatedBytes(precise: true);
        sampler?.Print(name, requests);
        return (after - before) / (double)requests;
    }

    private static async Task GetAsync(HttpClient client, Uri path, bool close)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (close)
        {
            // The handler drops the connection after the response and opens a new one for the next request.
            request.Headers.ConnectionClose = true;
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode}");
        }
    }

    internal static async Task<WebApplication> StartBackendAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort()}");
        var app = builder.Build();
        app.Run(static context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = s_body.Length;
            return context.Response.Body.WriteAsync(s_body).AsTask();
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<WebApplication> StartPlainYarpAsync(string backend, bool defaultHost = false)
    {
        // The default host as bench.sh's `yarp` runs it: CreateBuilder's logging providers, at Warning.
        var builder = defaultHost ? WebApplication.CreateBuilder() : WebApplication.CreateSlimBuilder();
        if (defaultHost)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }
        else
        {
            builder.Logging.ClearProviders();
        }

        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort()}");
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
            [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = backend } } }]);
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        return app;
    }

    internal static async Task<(WebApplication App, string Directory)> StartGatewayAsync(JsonObject config)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-alloc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), config.ToJsonString());
        string[] args = ["--contentRoot", directory, "--urls", $"http://127.0.0.1:{FreePort()}", $"--Gateway:Admin:Urls=http://127.0.0.1:{FreePort()}"];
        var (app, errors) = await GatewayApp.BuildAsync(args);
        if (app is null)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }

        await app.StartAsync();
        return (app, directory);
    }

    /// <summary>Turns the named meters' instruments on with a no-op callback: the cost of the measurements alone.</summary>
    private static MeterListener Listen(string[] meters)
    {
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (Array.IndexOf(meters, instrument.Meter.Name) >= 0)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        listener.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
        listener.Start();
        return listener;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>GC AllocationTick (keyword 0x1, verbose): one event per ~100 KB allocated, naming the type that crossed it.</summary>
    internal sealed class AllocationSampler : EventListener
    {
        private readonly Dictionary<string, long> _bytes = [];
        private readonly Dictionary<string, long> _sizes = [];
        private bool _on;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
                _on = true;
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (!_on || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
            {
                return;
            }

            var typeIndex = e.PayloadNames!.IndexOf("TypeName");
            var amountIndex = e.PayloadNames.IndexOf("AllocationAmount64");
            var type = typeIndex >= 0 ? e.Payload[typeIndex] as string ?? "?" : "?";
            var amount = amountIndex >= 0 ? Convert.ToInt64(e.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            var sizeIndex = e.PayloadNames.IndexOf("ObjectSize");
            lock (_bytes)
            {
                _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
                if (sizeIndex >= 0 && Convert.ToInt64(e.Payload[sizeIndex], System.Globalization.CultureInfo.InvariantCulture) is > 0 and var size)
                {
                    _sizes[type] = size;
                }
            }
        }

        public void Print(string name, int requests)
        {
            lock (_bytes)
            {
                // Objects: each type's sampled bytes over the size of the object that was sampled (arrays and strings vary).
                var objects = _bytes.Sum(p => _sizes.TryGetValue(p.Key, out var size) ? p.Value / (double)size : 0);
                Console.WriteLine($"  sampled types, {name} (bytes/request, ±100 KB per sample; about {objects / requests:F0} objects/request before subtracting direct):");
                foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(70))
                {
                    Console.WriteLine($"    {bytes / (double)requests,8:F1}  {type}");
                }
            }
        }
    }
}
