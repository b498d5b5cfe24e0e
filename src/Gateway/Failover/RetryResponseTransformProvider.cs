using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Failover;

/// <summary>
/// For a retryable request with a retry left, a 502 or 503 from the destination is not copied to the client (its
/// headers are set but nothing is sent), so the retry middleware can clear it and try another destination.
/// </summary>
internal sealed class RetryResponseTransformProvider(FailoverRouter router) : ITransformProvider
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
        if (status is not (System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.ServiceUnavailable) ||
            context.HttpContext.Features.Get<RetryAttempt>() is not { RetriesLeft: > 0 } attempt)
        {
            return ValueTask.CompletedTask;
        }

        var proxy = context.HttpContext.GetReverseProxyFeature();
        if (proxy.Route.Cluster is { } cluster)
        {
            var candidates = router.RetryCandidates(cluster, proxy.ProxiedDestination, connectionFailure: false);
            if (candidates.Count > 0)
            {
                context.SuppressResponseBody = true;
                attempt.RetryWanted = true;
                attempt.Candidates = candidates;
                attempt.Reason = status == System.Net.HttpStatusCode.BadGateway ? "status_502" : "status_503";
            }
        }

        return ValueTask.CompletedTask;
    }
}
