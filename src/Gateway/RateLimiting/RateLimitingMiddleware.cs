using Gateway.Answers;
using Gateway.ClientIdentity;
using Gateway.Telemetry;
using Yarp.ReverseProxy.Model;
using Gateway.Utilities;

namespace Gateway.RateLimiting;

/// <summary>
/// Applies the matched route's <c>RateLimiterPolicy</c>, first in YARP's proxy pipeline. A rejected request gets
/// 429 <c>rate-limited</c> with <c>Retry-After</c>, <c>RateLimit-Policy</c> and <c>RateLimit</c>; an allowed one
/// carries <c>RateLimit-Policy</c> and <c>RateLimit</c> too.
/// </summary>
/// <remarks>
/// The gateway does this itself rather than through ASP.NET Core's rate limiter (which YARP's field normally
/// feeds): that middleware copies its named policies once, when it is built, so policies could not change on reload.
/// </remarks>
internal sealed class RateLimitingMiddleware(RequestDelegate next, RateLimitingTableSource tables, ClientIdentitySource clientIdentity, GatewayResponseWriter writer)
{
    internal static readonly GatewayProblem RateLimited = GatewayProblem.Create(
        StatusCodes.Status429TooManyRequests,
        GatewayReason.RateLimited,
        "Rate limited",
        "The route's rate limit for this client is used up; retry after the time in Retry-After.");

    public Task InvokeAsync(HttpContext context)
    {
        var table = tables.Current;
        if (table.Routes.Count == 0)
        {
            return next(context);
        }

        var route = context.ProxyFeature().Route;
        if (!table.Routes.TryGetValue(route.Config.RouteId, out var limit))
        {
            return next(context);
        }

        var partition = limit.Partition.Resolve(context, clientIdentity.Current, route);
        var pending = limit.Policy.AcquireAsync(partition, context.RequestAborted);
        return pending.IsCompletedSuccessfully
            ? ContinueAsync(context, limit, pending.Result)
            : AwaitDecisionAsync(context, limit, pending);
    }

    private async Task AwaitDecisionAsync(HttpContext context, RouteRateLimit limit, ValueTask<RateLimitDecision> pending) =>
        await ContinueAsync(context, limit, await pending);

    private Task ContinueAsync(HttpContext context, RouteRateLimit limit, RateLimitDecision decision)
    {
        limit.Decisions.Count(decision.Allowed);
        var rateLimit = RateLimitHeaders.RateLimitFromPrefix(limit.RemainingPrefix, decision.Remaining, decision.Reset);
        if (!decision.Allowed)
        {
            return writer.WriteAsync(
                context,
                RateLimited,
                RateLimitHeaders.RetryAfterValue(decision.Reset),
                new(RateLimitHeaders.PolicyHeaderName, limit.Policy.PolicyHeader),
                new(RateLimitHeaders.RateLimitHeaderName, rateLimit));
        }

        var headers = context.Response.Headers;
        headers[RateLimitHeaders.PolicyHeaderName] = limit.Policy.PolicyHeader;
        headers[RateLimitHeaders.RateLimitHeaderName] = rateLimit;
        return decision.Lease is null ? next(context) : ReleaseAfterAsync(context, decision.Lease);
    }

    private async Task ReleaseAfterAsync(HttpContext context, System.Threading.RateLimiting.RateLimitLease lease)
    {
        using (lease)
        {
            await next(context);
        }
    }
}
