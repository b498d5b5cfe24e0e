using System.Diagnostics;
using Gateway.ClientIdentity;
using Gateway.Failover;
using Gateway.Telemetry;
using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace Gateway.AccessLog;

/// <summary>
/// Records each sampled proxy request from its first step to its last byte and queues the record for the writer.
/// It never waits on the writer: a full queue drops the line and counts it. Requests on the admin listener are not
/// logged (the console polls it all the time).
/// </summary>
internal sealed class AccessLogMiddleware(
    RequestDelegate next, AccessLogOptions options, AccessLogQueue queue, ClientIdentitySource identity, TimeProvider time)
{
    private const string ForwardedForHeader = "X-Forwarded-For";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Feature<AdminConnectionFeature>() is not null || !Sampled())
        {
            return next(context);
        }

        return LogAsync(context);
    }

    private bool Sampled() =>
        options.SampleRate >= AccessLogConstants.MaxSampleRate ||
        (options.SampleRate > AccessLogConstants.MinSampleRate && Random.Shared.NextDouble() < options.SampleRate);

    private async Task LogAsync(HttpContext context)
    {
        var request = context.Request;
        var record = new AccessLogRecord
        {
            Time = time.GetUtcNow(),
            StartTimestamp = time.GetTimestamp(),
            Method = request.Method,
            Host = request.Host.HasValue ? request.Host.Value : null,
            Path = request.Path.Value,
        };
        ProxyRequestState.Of(context).AccessLog = record;
        if (context.Feature<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            record.BodyIn = new CountingStream(request.Body);
            request.Body = record.BodyIn;
        }

        var body = context.Feature<IHttpResponseBodyFeature>();
        if (body is not null)
        {
            record.BodyOut = new CountingResponseBodyFeature(body);
            context.Features.Set<IHttpResponseBodyFeature>(record.BodyOut);
        }

        try
        {
            await next(context);
            record.Status = context.Response.StatusCode;
        }
        catch
        {
            // The server turns an unhandled exception into a 500 after this middleware has returned.
            record.Status = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            if (body is not null)
            {
                context.Features.Set(body);
            }

            Finish(context, record);
        }
    }

    private void Finish(HttpContext context, AccessLogRecord record)
    {
        record.EndTimestamp = time.GetTimestamp();
        if (context.Feature<IReverseProxyFeature>() is { } proxy)
        {
            var route = proxy.Route.Config;
            if (route.Metadata?.TryGetValue(AccessLogConstants.RouteMetadataKey, out var logged) == true &&
                bool.TryParse(logged, out var on) && !on)
            {
                return;
            }

            record.Route = route.RouteId;
            record.Cluster = proxy.Cluster?.Config.ClusterId;
            if (proxy.ProxiedDestination is { } destination)
            {
                record.Destination = destination.DestinationId;
                string? region = null;
                destination.Model.Config.Metadata?.TryGetValue(FailoverConstants.RegionMetadataKey, out region);
                record.Region = region;
            }
        }

        var reason = context.Response.Headers[GatewayReason.HeaderName];
        record.Reason = reason.Count == 0 ? null : reason[0];
        record.Client = identity.Current.Resolve(context.Connection.RemoteIpAddress, context.Request.Headers[ForwardedForHeader]);
        if (record.Trace is null)
        {
            // No attempt reached a backend: the trace the caller sent, or the tracer's.
            var parent = context.Request.Headers.TraceParent;
            record.Trace = Activity.Current?.TraceId.ToHexString() ?? (parent.Count == 0 ? null : parent[0]);
        }

        queue.Add(record);
    }
}
