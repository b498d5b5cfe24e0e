using Gateway.AccessLog;
using Gateway.Admin;
using Gateway.Answers;
using Gateway.ClientIdentity;
using Gateway.Configuration;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Hosting;
using Gateway.Identity;
using Gateway.Limits;
using Gateway.RateLimiting;
using Gateway.Resilience;
using Gateway.Shedding;
using Gateway.Shutdown;
using Gateway.Streaming;
using Gateway.Telemetry;
using Gateway.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway;

/// <summary>
/// The whole request path, in the order a request meets it: connection steps, app middleware, the proxy pipeline
/// and the transforms. Each step is a verb of the feature folder that owns it; each line says why it stands where
/// it does. Steps hand later steps what they must through one object, <see cref="ProxyRequestState"/>.
/// </summary>
public static class GatewayPipeline
{
    /// <summary>1. Connections: what runs on each accepted socket, before a byte of HTTP is read.</summary>
    internal static void UseConnectionSteps(KestrelServerOptions kestrel, GatewayListeners listeners, ProxyConnectionLimit limit, TlsEndpoints tls)
    {
        KestrelListeners.Bind(
            kestrel,
            listeners,
            (proxy, listener) =>
            {
                proxy.Protocols = listener.Protocols;
                // The connection cap and new-connection rates, on proxy listeners only: a flood there must not lock
                // out the admin listener's health probes. A refused connection is closed unread.
                proxy.UseProxyConnectionLimit(limit);
                // TLS after the cap: a connection it refuses costs no handshake.
                if (listener.Tls is { } endpoint)
                {
                    proxy.UseTls(tls.For(endpoint));
                }
            },
            (admin, address) =>
            {
                // Tag admin connections by socket, so routing never trusts a Host header to tell admin from proxy.
                admin.UseAdminConnectionMark();
                if (address.Https && listeners.AdminTls is { } endpoint)
                {
                    admin.UseTls(tls.For(endpoint));
                }
            });
    }

    /// <summary>2 and 3. App middleware, then the proxy pipeline of every proxied route.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        // Gauges observe the routers; they exist from start so a scrape never misses them.
        app.Services.GetRequiredService<FailoverGauges>();
        app.Services.GetRequiredService<ResilienceRegistry>();
        app.Services.GetRequiredService<SheddingRegistry>();
        // Made now, so it hears the end of the drain delay even before the first WebSocket.
        app.Services.GetRequiredService<OpenWebSockets>();
        // Listening before the first request, so the console's series miss none.
        app.Services.GetRequiredService<RequestDurationFeed>();

        // Not a step: the gateway checks credentials itself (identity, below), so ASP.NET Core's authorization
        // middleware, which WebApplication would otherwise put first, would only cost every request an await.
        app.LeaveOutAspNetCoreAuthorization();
        // First, so a line's status and total time are what the client got, every later step's refusals included.
        app.UseAccessLog();
        // Beside it, so every later step's answer on the admin listener carries the tag that leaves it out of the
        // console's series (fed by ASP.NET Core's own request metric, RequestDurationFeed) and of dashboards.
        app.UseListenerTag();
        // Before anything can answer, so every HTTP/1.1 answer during the drain closes its connection, refusals too.
        app.UseDrainConnectionClose();
        // Before routing: what it refuses must not be matched against any route, proxy or admin.
        app.UseEdgeGuard();
        app.UseRouting();
        // After routing, which tells admin endpoints (admin listener only) from proxy routes.
        app.UseAdminKey();
        app.MapAdminEndpoints();
        app.MapReverseProxy(UseProxySteps);
        return app;
    }

    /// <summary>3. The proxy pipeline: from the matched route to the forwarder.</summary>
    private static void UseProxySteps(IReverseProxyApplicationBuilder proxy)
    {
        // A body over the limit is refused before anything reads it or admits it anywhere.
        proxy.UseRequestBodyLimit();
        // Identity after it (refusing a declared-too-large body costs less than verifying a token) and before every
        // step that spends anything on the request: an unauthenticated client takes no rate-limit bucket, no admission
        // slot, no backend work, and a per-consumer limit counts the consumer it proved to be, not a header it chose.
        proxy.UseIdentity();
        // Per client before per cluster: a client over its own limit must not take a cluster's admission slot.
        proxy.UseRouteRateLimits();
        // Admission under the cluster's adaptive limit, before anything reads the body or opens a backend
        // connection, so a refusal costs little.
        proxy.UseAdmission();
        // Outside every attempt, so the last attempt's failure becomes one explicit 502/504 answer. Right after admission,
        // which for a request it admitted gives that answer after its own await, in the same pass.
        proxy.UseForwarderErrorAnswers();
        // The region, then health: failover narrows the destinations, which the next step checks for emptiness.
        proxy.UseRegionChoice();
        proxy.UseNoHealthyDestinationAnswer();
        // Bulkhead and total timeout around all attempts; the retry loop inside them.
        proxy.UseBulkheadAndTimeout();
        proxy.UseRetries();
        // Per attempt, from here on: open circuits leave the choice before load balancing picks one destination.
        proxy.UseCircuitFilter();
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        // Passive health outside the breaker, so a timed-out attempt counts against the destination too; in the same
        // pass what each attempt showed (served, refused), which region choice weighs against probes that time out.
        proxy.UseAttemptHealth();
        proxy.UseCircuitBreakers();
        // Last, per attempt, right before the forwarder: the route's idle timeout, and the WebSocket relay that closes
        // conversations with 1001 when idle or draining (wrapping the upgrade the forwarder accepts).
        proxy.UseIdleTimeouts();
    }

    /// <summary>4. Transforms, added to every route in this order; the two that say so run ahead of the route's own.</summary>
    internal static IReverseProxyBuilder AddGatewayTransforms(this IReverseProxyBuilder builder, TelemetryOptions telemetry, AccessLogOptions accessLog) => builder
        // W3C trace context to backends when no tracer writes it.
        .AddTraceContextTransforms(telemetry)
        // Client copies of headers the gateway sets itself go first (ahead of the route's own transforms too), so nothing
        // below can be fooled by them.
        .AddInternalHeaderTransforms()
        // Headers a client names in Connection are hop-by-hop and never forwarded. Second, ahead of the route's own
        // transforms, so naming a header cannot strip what a route transform sets.
        .AddConnectionHeaderTransforms()
        // The consumer the identity step accepted, after the client's copy of the header is gone.
        .AddIdentityTransforms()
        // A retryable 502/503 is held back so the retry can send the request elsewhere.
        .AddRetryTransforms()
        // The time left, for backends that can stop early.
        .AddDeadlineTransforms()
        // X-Forwarded-* and X-Real-IP, a trusted proxy's kept.
        .AddForwardedHeaderTransforms()
        // The admitted request's shedder, for the forwarder's client to time the backend's share of each attempt.
        .AddSheddingTransforms()
        // Last, after the trace context is written: per attempt, the trace id the backend is sent, and the time its
        // response headers arrive, for the access log.
        .AddAccessLogTransforms(accessLog);
}
