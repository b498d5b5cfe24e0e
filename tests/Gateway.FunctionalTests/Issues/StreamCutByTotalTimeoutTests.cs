using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Gateway.FunctionalTests.Resilience.ResilienceTestConfig;

namespace Gateway.FunctionalTests.Issues;

/// <summary>
/// Issue 22: the policy Timeout covered the whole response, so SSE streams were cut at it, each cut counted as a
/// timeout of a healthy backend, and the destination's circuit opened. The Timeout now runs until the response headers,
/// and so does the AttemptTimeout: a response cut after it started counts against the backend only when the backend
/// itself went silent (the idle timeout, the policy's or the route's).
/// </summary>
public sealed class StreamCutByTotalTimeoutTests
{
    private const int Events = 10;
    private static readonly TimeSpan EventInterval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task SseStreamsPastThePolicyTimeout_RunToTheEnd_AndTheCircuitStaysClosed()
    {
        await using var backend = await StartSseBackendAsync();
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First()));
        using var timeouts = new MetricCollector<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.timeouts");
        using var transitions = new MetricCollector<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.circuit.transitions");

        // Each stream lasts 2.5 s against a 1 s Timeout; four of them are enough attempts for the breaker to judge.
        var streams = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/sse", HttpCompletionOption.ResponseHeadersRead);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, Reason(response), Events: body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
        }));

        Assert.All(streams, s => Assert.Equal((HttpStatusCode.OK, string.Empty, Events), s));
        Assert.Empty(timeouts.GetMeasurementSnapshot());
        Assert.Empty(transitions.GetMeasurementSnapshot());
        using var plain = await gateway.Proxy.GetAsync("/api/plain");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("closed", await CircuitAsync(gateway, "sse"));
    }

    [Fact]
    public async Task SseStreamsPastTheAttemptTimeout_RunToTheEnd_AndTheCircuitStaysClosed()
    {
        await using var backend = await StartSseBackendAsync();
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First(), attemptTimeout: "00:00:00.500"));
        using var timeouts = new MetricCollector<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.timeouts");

        // Each stream lasts 2.5 s against a 0.5 s AttemptTimeout (and the 1 s Timeout).
        var streams = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/sse", HttpCompletionOption.ResponseHeadersRead);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, Events: body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
        }));

        Assert.All(streams, s => Assert.Equal((HttpStatusCode.OK, Events), s));
        Assert.Empty(timeouts.GetMeasurementSnapshot());
        Assert.Equal("closed", await CircuitAsync(gateway, "sse"));
    }

    [Fact]
    public async Task SlowResponseHeaders_StillTimeOutAtTheAttemptTimeout()
    {
        await using var backend = await StartSseBackendAsync();
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First(), attemptTimeout: "00:00:00.500"));
        using var timeouts = new MetricCollector<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "Gateway", "gateway.timeouts");

        using var response = await gateway.Proxy.GetAsync("/api/late");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream-timeout", Reason(response));
        Assert.Contains(timeouts.GetMeasurementSnapshot(), m => Equals(m.Tags["gateway.timeout.kind"], "attempt"));
    }

    [Fact]
    public async Task BackendStallsMidStream_CutAtTheRouteIdleTimeout_CountsAgainstTheBackend()
    {
        await using var backend = await StartSseBackendAsync();
        // No policy IdleTimeout: the cluster's ActivityTimeout is the 30 s default; the route's own is 1 s.
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First(), routeIdleTimeout: "00:00:01"));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/stall", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync());
        }));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the stalled streams were cut after {clock.Elapsed}, not at the route's 1 s");
        await Eventually.TrueAsync(async () => await CircuitAsync(gateway, "sse") == "open", TimeSpan.FromSeconds(5), "the stalled backend's circuit opens");
    }

    [Fact]
    public async Task SseStreamUnderARouteIdleTimeout_EventsKeepItAlive()
    {
        await using var backend = await StartSseBackendAsync();
        // Events every 250 ms, each resetting the route's 2 s idle timeout, for 2.5 s: past the idle timeout (and the
        // policy's 1 s Timeout) only if the events keep it alive. With a 1 s idle timeout the stream was cut once, 5 s
        // into a full suite run while every test class starts at once: an event over 750 ms late would do that (likely
        // the starved start, not proven).
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First(), routeIdleTimeout: "00:00:02"));

        using var response = await gateway.Proxy.GetAsync("/api/sse", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(Events, body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task SlowResponseHeaders_StillTimeOutAtThePolicyTimeout()
    {
        await using var backend = await StartSseBackendAsync();
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First()));

        using var response = await gateway.Proxy.GetAsync("/api/late");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream-timeout", Reason(response));
    }

    [Fact]
    public async Task BackendStallsMidStream_CutAtThePolicyIdleTimeout_CountsAgainstTheBackend()
    {
        await using var backend = await StartSseBackendAsync();
        await using var gateway = await StartWarmAsync(Config(backend.Urls.First(), idleTimeout: "00:00:01"));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await gateway.Proxy.GetAsync("/api/stall", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync());
        }));

        await Eventually.TrueAsync(async () => await CircuitAsync(gateway, "sse") == "open", TimeSpan.FromSeconds(5), "the stalled backend's circuit opens");
    }

    /// <summary>
    /// The gateway, with one plain request through it first: these cases give the first byte a budget of 0.5-1 s, and a
    /// cold proxy path (JIT, the first backend connection) took longer than that in 2 of 16 runs on a quiet machine,
    /// which cut a stream at the total timeout or the idle timeout before it began.
    /// </summary>
    private static async Task<GatewayTestHost> StartWarmAsync(JsonObject config)
    {
        var gateway = await GatewayTestHost.StartAsync(config);
        using var warm = await gateway.Proxy.GetAsync("/api/plain");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        return gateway;
    }

    private static JsonObject Config(string backend, string? idleTimeout = null, string? attemptTimeout = null, string? routeIdleTimeout = null)
    {
        var cluster = new JsonObject { ["Destinations"] = new JsonObject { ["sse"] = new JsonObject { ["Address"] = backend } } };

        UsePolicy(cluster, "short");
        var config = new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
            ["ReverseProxy"] = new JsonObject
            {
                ["Routes"] = new JsonObject
                {
                    ["api"] = new JsonObject { ["ClusterId"] = "api", ["Match"] = new JsonObject { ["Path"] = "/api/{**rest}" } },
                },
                ["Clusters"] = new JsonObject { ["api"] = cluster },
            },
            ["Gateway"] = Policies(("short", new JsonObject
            {
                ["Timeout"] = "00:00:01",
                ["Retry"] = new JsonObject { ["MaxAttempts"] = 1 },
                ["CircuitBreaker"] = new JsonObject { ["MinimumThroughput"] = 2, ["FailureRatio"] = 0.5, ["SamplingDuration"] = "00:00:30" },
            })),
        };
        if (attemptTimeout is not null)
        {
            config["Gateway"]!["Resilience"]!["Policies"]!["short"]!["AttemptTimeout"] = attemptTimeout;
        }

        if (routeIdleTimeout is not null)
        {
            config["ReverseProxy"]!["Routes"]!["api"]!["Metadata"] = new JsonObject { ["IdleTimeout"] = routeIdleTimeout };
        }

        if (idleTimeout is not null)
        {
            config["Gateway"]!["Resilience"]!["Policies"]!["short"]!["IdleTimeout"] = idleTimeout;
        }

        // Four long requests at once on a cold cluster would meet the adaptive limit's start; admission is not what
        // this test is about.
        config["Gateway"]!["Shedding"] = new JsonObject { ["Enabled"] = false };
        return config;
    }

    /// <summary>
    /// <c>/api/sse</c>: headers at once, then <see cref="Events"/> events <see cref="EventInterval"/> apart;
    /// <c>/api/stall</c>: one event, then silence; <c>/api/late</c>: headers after 3 s; anything else: a plain 200.
    /// </summary>
    private static async Task<WebApplication> StartSseBackendAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        var app = builder.Build();
        app.Run(async context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/api/sse":
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.StartAsync(context.RequestAborted);
                    for (var i = 0; i < Events; i++)
                    {
                        await context.Response.WriteAsync($"data: {i}\n\n", context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        await Task.Delay(EventInterval, context.RequestAborted);
                    }

                    return;
                case "/api/stall":
                    context.Response.ContentType = "text/event-stream";
                    await context.Response.WriteAsync("data: first\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    return;
                case "/api/late":
                    await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
                    await context.Response.WriteAsync("late", context.RequestAborted);
                    return;
                default:
                    await context.Response.WriteAsync("plain", context.RequestAborted);
                    return;
            }
        });
        await app.StartAsync();
        return app;
    }
}
