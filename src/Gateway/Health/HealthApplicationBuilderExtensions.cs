namespace Gateway.Health;

/// <summary>The health step of the request path (YARP's passive health checks run inside the attempt health step).</summary>
internal static class HealthApplicationBuilderExtensions
{
    /// <summary>503 <c>no-healthy-destination</c> at once when health filtering left nothing to send to.</summary>
    public static IReverseProxyApplicationBuilder UseNoHealthyDestinationAnswer(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<NoHealthyDestinationMiddleware>();
        return proxy;
    }

    /// <summary>
    /// Per attempt, in one pass once it is over: the cluster's passive health policy (in place of YARP's
    /// <c>UsePassiveHealthChecks</c>) and whether the destination served, answered or refused, for
    /// <see cref="ServingEvidence"/>.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseAttemptHealth(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<AttemptHealthMiddleware>();
        return proxy;
    }
}
