using Gateway.Answers;
using Gateway.Utilities;

namespace Gateway.Resilience;

/// <summary>
/// Before load balancing, on every attempt: takes destinations whose circuit is open out of the request's available
/// destinations. When none is left the client gets 503 <c>circuit-open</c> at once, with <c>Retry-After</c> the time
/// until the first break ends, and no backend sees the request. Costs two reads when every circuit is closed.
/// </summary>
internal sealed class CircuitFilterMiddleware(RequestDelegate next, GatewayResponseWriter writer, ResilienceMetrics metrics)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (ProxyRequestState.Find(context)?.Resilience is not { } feature || feature.Cluster.NotClosedCount == 0)
        {
            return next(context);
        }

        var proxy = context.ProxyFeature();
        var available = feature.Cluster.FilterAvailable(proxy.AvailableDestinations, out var retryAfterSeconds);
        if (available.Count == 0 && proxy.AvailableDestinations.Count > 0)
        {
            metrics.CircuitRejected(feature.Cluster.ClusterId);
            return writer.WriteAsync(
                context,
                ResilienceProblems.CircuitOpen,
                RetryAfter.Jittered(retryAfterSeconds, retryAfterSeconds + ResilienceConstants.CircuitOpenRetryAfterJitterSeconds));
        }

        proxy.AvailableDestinations = available;
        return next(context);
    }
}
