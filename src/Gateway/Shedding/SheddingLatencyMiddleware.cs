namespace Gateway.Shedding;

/// <summary>
/// The innermost step of the proxy pipeline: times each attempt's forwarding for the cluster's adaptive limit. Timing
/// here rather than around the whole pipeline keeps retries, backoff and the gateway's own queueing out of the
/// latency the limit reacts to: the limit must follow the backend, and a gateway starved of CPU would otherwise
/// shrink it far under what the backend serves (measured: a limit of about 60 for a backend of capacity 200).
/// </summary>
internal sealed class SheddingLatencyMiddleware(RequestDelegate next, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context) =>
        context.Features.Get<ClusterShedder>() is { } shedder ? TimeAsync(context, shedder) : next(context);

    private async Task TimeAsync(HttpContext context, ClusterShedder shedder)
    {
        var start = time.GetTimestamp();
        await next(context);
        // Failures and the gateway's own fast answers (5xx) would teach the limit that the cluster is fast.
        if (context.Response.StatusCode < StatusCodes.Status500InternalServerError && !context.RequestAborted.IsCancellationRequested)
        {
            shedder.Limit.Record(start, time.GetTimestamp(), shedder.InFlight);
        }
    }
}
