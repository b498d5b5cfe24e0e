namespace Gateway.Failover;

/// <summary>The region-choice step of the request path.</summary>
internal static class FailoverApplicationBuilderExtensions
{
    /// <summary>Narrows the available destinations to the region the cluster's failover plan picks.</summary>
    public static IReverseProxyApplicationBuilder UseRegionChoice(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<FailoverMiddleware>();
        return proxy;
    }
}
