using Yarp.ReverseProxy.Model;
using Gateway.Utilities;

namespace Gateway.Failover;

/// <summary>
/// Narrows the request's available destinations to the region its cluster's plan picks (or to all destinations
/// in panic), before load balancing. Reads an immutable plan and two random numbers: no allocation, no lock.
/// </summary>
internal sealed class FailoverMiddleware(RequestDelegate next, FailoverRouter router)
{
    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.ProxyFeature();
        if (proxy.Route.Cluster is { } cluster)
        {
            if (ProxyRequestState.Find(context)?.Spill is { } spill)
            {
                proxy.AvailableDestinations = spill.Destinations;
                return next(context);
            }

            var plan = router.GetPlan(cluster);
            if (!plan.Passthrough)
            {
                proxy.AvailableDestinations = plan.Pick(Random.Shared.NextDouble(), Random.Shared.NextDouble());
            }
        }

        return next(context);
    }
}
