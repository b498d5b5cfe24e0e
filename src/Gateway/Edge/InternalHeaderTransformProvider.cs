using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Edge;

/// <summary>
/// Removes the client's copies of the headers the gateway itself tells backends (<c>X-Gateway-*</c>,
/// <c>X-Request-Deadline</c>), so a backend can believe them. The transform is put first in every route's list, so
/// any transform that sets one of these headers for the gateway runs after it and is kept.
/// </summary>
internal sealed class InternalHeaderTransformProvider : ITransformProvider
{
    private static readonly RequestFuncTransform s_strip = new(StripInternalHeaders);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.RequestTransforms.Insert(0, s_strip);

    internal static bool IsInternal(string name) =>
        name.StartsWith(EdgeConstants.InternalHeaderPrefix, StringComparison.OrdinalIgnoreCase) ||
        name.Equals(EdgeConstants.DeadlineHeader, StringComparison.OrdinalIgnoreCase);

    private static ValueTask StripInternalHeaders(RequestTransformContext context)
    {
        // The edge guard has looked at every header name already; without its word (it always runs in the gateway's
        // pipeline) the headers are read here.
        if (context.HttpContext.Features.Get<InternalHeaderScan>() is { Found: false })
        {
            return ValueTask.CompletedTask;
        }

        // The incoming headers are read (not the outgoing message's), so nothing is removed from a collection
        // while it is being enumerated.
        foreach (var header in context.HttpContext.Request.Headers)
        {
            if (IsInternal(header.Key))
            {
                context.ProxyRequest.Headers.Remove(header.Key);
                context.ProxyRequest.Content?.Headers.Remove(header.Key);
            }
        }

        return ValueTask.CompletedTask;
    }
}
