using Yarp.ReverseProxy.Model;

namespace Gateway.Utilities;

/// <summary>
/// Request feature lookups through the feature collection's indexer. <c>IFeatureCollection.Get&lt;T&gt;</c> is a
/// generic virtual method: every call resolves its target through the runtime's dispatch helper
/// (<c>VirtualDispatchHelpers.VirtualFunctionPointer</c>, 1.3% of gateway-full's CPU samples under
/// <c>load-tests/profile.sh</c>, more than Kestrel's own lookup behind it), and the request path makes a few dozen of
/// them. The indexer is a plain interface call to the same lookup.
/// </summary>
internal static class FeatureLookup
{
    public static T? Feature<T>(this HttpContext context)
        where T : class => (T?)context.Features[typeof(T)];

    public static void SetFeature<T>(this HttpContext context, T? feature)
        where T : class => context.Features[typeof(T)] = feature;

    /// <summary>YARP's proxy feature, as <c>GetReverseProxyFeature</c> gives it (which calls the generic method).</summary>
    public static IReverseProxyFeature ProxyFeature(this HttpContext context) =>
        context.Feature<IReverseProxyFeature>() ?? throw new InvalidOperationException("The request has no reverse proxy feature: it was not routed to a proxied route.");
}
