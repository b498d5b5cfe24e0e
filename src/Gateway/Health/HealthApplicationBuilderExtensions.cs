namespace Gateway.Health;

/// <summary>The health step of the request path (YARP's own passive health checks are listed beside it).</summary>
internal static class HealthApplicationBuilderExtensions
{
    /// <summary>503 <c>no-healthy-destination</c> at once when health filtering left nothing to send to.</summary>
    public static IReverseProxyApplicationBuilder UseNoHealthyDestinationAnswer(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<NoHealthyDestinationMiddleware>();
        return proxy;
    }

    /// <summary>Per attempt: whether the destination served, answered or refused, for <see cref="ServingEvidence"/>.</summary>
    public static IReverseProxyApplicationBuilder UseServingEvidence(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ServingEvidenceMiddleware>();
        return proxy;
    }
}
