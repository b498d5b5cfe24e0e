using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Telemetry;

/// <summary>
/// Tags requests on the admin listener with <c>gateway.listener="admin"</c> on ASP.NET Core's request metrics, so
/// dashboards and the console's series (<see cref="RequestDurationFeed"/>) can leave them out: the console's own
/// polling would show up as traffic. First in the pipeline, so whatever a later step answers carries the tag.
/// </summary>
internal sealed class ListenerTagMiddleware(RequestDelegate next)
{
    private static readonly KeyValuePair<string, object?> AdminTag =
        new(MetricTags.Listener, TrafficStatsConstants.AdminListener);

    public Task InvokeAsync(HttpContext context)
    {
        if (AdminConnectionFeature.IsAdmin(context))
        {
            context.Feature<IHttpMetricsTagsFeature>()?.Tags.Add(AdminTag);
        }

        return next(context);
    }
}
