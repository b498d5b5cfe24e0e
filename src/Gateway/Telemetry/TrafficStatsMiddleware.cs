using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Telemetry;

/// <summary>
/// Feeds <see cref="TrafficStats"/> with every request on the proxy listener. It runs first in the pipeline so the
/// gateway's early refusals (shedding, rate limiting, no route) are counted with what was proxied. Requests on the
/// admin listener are not counted (the console's own polling would show up as traffic); instead they get a
/// <c>gateway.listener="admin"</c> tag on ASP.NET Core's request metrics so dashboards can leave them out too.
/// </summary>
internal sealed class TrafficStatsMiddleware(RequestDelegate next, TrafficStats stats)
{
    private static readonly KeyValuePair<string, object?> AdminTag =
        new(MetricTags.Listener, TrafficStatsConstants.AdminListener);

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Feature<AdminConnectionFeature>() is not null)
        {
            context.Feature<IHttpMetricsTagsFeature>()?.Tags.Add(AdminTag);
            return next(context);
        }

        return InvokeProxyAsync(context);
    }

    private async Task InvokeProxyAsync(HttpContext context)
    {
        var start = stats.Timestamp();
        try
        {
            await next(context);
        }
        catch
        {
            // The server turns an unhandled exception into a 500 after this middleware has returned.
            stats.Record(start, StatusCodes.Status500InternalServerError, null);
            throw;
        }

        var reason = context.Response.Headers[GatewayReason.HeaderName];
        stats.Record(start, context.Response.StatusCode, reason.Count == 0 ? null : reason[0]);
    }
}
