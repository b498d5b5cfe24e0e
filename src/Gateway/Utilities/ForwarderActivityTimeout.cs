using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Utilities;

/// <summary>
/// Sets the forwarder's idle timeout (YARP's <c>HttpRequest:ActivityTimeout</c>) for one request. YARP reads it from
/// the request's <see cref="IReverseProxyFeature.Cluster"/>, which <see cref="ReverseProxyFeature"/> lets middleware
/// replace: the request gets a copy of its cluster's model that differs only in that timeout and shares its
/// <see cref="ClusterModel.HttpClient"/>. Copies are made once per cluster model and timeout and kept with the model,
/// so a reload that builds a new model drops them.
/// </summary>
internal static class ForwarderActivityTimeout
{
    private static readonly ConditionalWeakTable<ClusterModel, ConcurrentDictionary<TimeSpan, ClusterModel>> s_copies = new();

    /// <summary>Makes the forwarder cancel the request after <paramref name="idle"/> without a byte in either direction.</summary>
    /// <returns>False when the request's proxy feature is not YARP's own (the cluster's timeout then applies).</returns>
    public static bool Set(HttpContext context, TimeSpan idle)
    {
        if (context.ProxyFeature() is not ReverseProxyFeature feature || feature.Route.Cluster?.Model is not { } model)
        {
            return false;
        }

        // From the route's own model, never from a copy set by an earlier attempt of the same request.
        feature.Cluster = model.Config.HttpRequest?.ActivityTimeout == idle ? model : CopyOf(model, idle);
        return true;
    }

    private static ClusterModel CopyOf(ClusterModel model, TimeSpan idle) =>
        s_copies.GetValue(model, static _ => new ConcurrentDictionary<TimeSpan, ClusterModel>())
            .GetOrAdd(idle, static (timeout, source) => new ClusterModel(
                source.Config with { HttpRequest = (source.Config.HttpRequest ?? ForwarderRequestConfig.Empty) with { ActivityTimeout = timeout } },
                source.HttpClient), model);
}
