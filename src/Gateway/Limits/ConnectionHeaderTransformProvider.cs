using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Limits;

/// <summary>
/// Removes the headers a client names in <c>Connection</c> (RFC 9110 §7.6.1: they are hop-by-hop for that
/// connection), which YARP does not do by itself. Headers the gateway sets for the backend are never removed, so a
/// client cannot strip <c>X-Forwarded-For</c>, <c>X-Real-IP</c> or the trace context by naming them.
/// Kestrel keeps only <c>keep-alive</c> or <c>close</c> of a <c>Connection</c> value that contains one of them, so
/// the extra names survive only when the client sent neither; that limit is Kestrel's, not a choice here.
/// The transform runs ahead of the route's own transforms (right after <see cref="InternalHeaderTransformProvider"/>'s),
/// so it removes only what the client sent: a header a route transform sets cannot be stripped by naming it.
/// </summary>
internal sealed class ConnectionHeaderTransformProvider : ITransformProvider
{
    private static readonly RequestFuncTransform s_remove = new(RemoveConnectionNamedHeaders);

    private static readonly string[] s_gatewayOwned =
    [
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix", "Forwarded", "X-Real-IP",
        "traceparent", "tracestate", "baggage", "Host",
    ];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) =>
        context.RequestTransforms.Insert(context.RequestTransforms.IndexOf(InternalHeaderTransformProvider.Strip) + 1, s_remove);

    private static ValueTask RemoveConnectionNamedHeaders(RequestTransformContext context)
    {
        var connection = context.HttpContext.Request.Headers.Connection;
        for (var i = 0; i < connection.Count; i++)
        {
            var value = connection[i].AsSpan();
            foreach (var range in value.Split(','))
            {
                var token = value[range].Trim();
                if (token.IsEmpty || IsStandard(token) || IsGatewayOwned(token))
                {
                    continue;
                }

                var name = token.ToString();
                context.ProxyRequest.Headers.Remove(name);
                context.ProxyRequest.Content?.Headers.Remove(name);
            }
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsStandard(ReadOnlySpan<char> token) =>
        token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) ||
        token.Equals("close", StringComparison.OrdinalIgnoreCase) ||
        token.Equals("upgrade", StringComparison.OrdinalIgnoreCase);

    private static bool IsGatewayOwned(ReadOnlySpan<char> token)
    {
        foreach (var name in s_gatewayOwned)
        {
            if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
