using Gateway.Failover;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;
using Gateway.Utilities;

namespace Gateway.Resilience;

/// <summary>
/// For a retryable request with a retry left, a 502 or 503 from the destination (for a cluster with a resilience
/// policy: a status in its retry list, when its budget and the time left allow a retry) is not copied to the client
/// (its headers are set but nothing is sent), so the retry middleware can clear it and try another destination.
/// </summary>
internal sealed class RetryResponseTransformProvider(FailoverRouter router, TimeProvider time) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddResponseTransform(HoldBackRetryable);

    private ValueTask HoldBackRetryable(ResponseTransformContext context)
    {
        var status = context.ProxyResponse?.StatusCode;
        if (status is not { } code ||
            ProxyRequestState.Find(context.HttpContext)?.Retry is not { RetriesLeft: > 0, ConnectFailuresOnly: false } attempt ||
            !(attempt.Resilience?.IsRetryableStatus((int)code) ?? code is System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.ServiceUnavailable))
        {
            return ValueTask.CompletedTask;
        }

        var proxy = context.HttpContext.ProxyFeature();
        if (proxy.Route.Cluster is { } cluster)
        {
            var candidates = router.RetryCandidates(cluster, proxy.ProxiedDestination, connectionFailure: false);
            TimeSpan? delay = null;
            if (candidates.Count > 0 &&
                (attempt.Resilience is null || attempt.Resilience.TryAcquireRetry(context.HttpContext, candidates, RetryAfterOf(context.ProxyResponse!), out delay)))
            {
                context.SuppressResponseBody = true;
                attempt.RetryWanted = true;
                attempt.Candidates = candidates;
                attempt.RetryAfter = delay;
                attempt.Reason = code switch
                {
                    System.Net.HttpStatusCode.BadGateway => "status_502",
                    System.Net.HttpStatusCode.ServiceUnavailable => "status_503",
                    System.Net.HttpStatusCode.InternalServerError => "status_500",
                    System.Net.HttpStatusCode.GatewayTimeout => "status_504",
                    _ => "status_5xx",
                };
            }
        }

        return ValueTask.CompletedTask;
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };
}
