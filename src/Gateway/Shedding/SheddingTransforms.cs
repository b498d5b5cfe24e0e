using Yarp.ReverseProxy.Transforms;

namespace Gateway.Shedding;

/// <summary>Hands an admitted request's shedder to <see cref="SheddingLatencyHandler"/> on the outgoing request.</summary>
internal static class SheddingTransforms
{
    public static IReverseProxyBuilder AddSheddingTransforms(this IReverseProxyBuilder builder) =>
        builder.AddTransforms(static context => context.AddRequestTransform(static transform =>
        {
            if (transform.HttpContext.Features.Get<ClusterShedder>() is { } shedder)
            {
                transform.ProxyRequest.Options.Set(SheddingLatencyHandler.ShedderKey, shedder);
            }

            return ValueTask.CompletedTask;
        }));
}
