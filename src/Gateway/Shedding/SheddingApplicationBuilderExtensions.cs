namespace Gateway.Shedding;

/// <summary>The load-shedding steps of the request path.</summary>
internal static class SheddingApplicationBuilderExtensions
{
    /// <summary>Admits the request under its cluster's adaptive limit by priority, or answers 503 <c>overloaded</c>.</summary>
    public static IReverseProxyApplicationBuilder UseAdmission(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<SheddingMiddleware>();
        return proxy;
    }
}
