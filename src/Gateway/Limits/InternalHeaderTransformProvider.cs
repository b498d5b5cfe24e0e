using Gateway.ClientIdentity;
using Gateway.Resilience;
using Gateway.Telemetry;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Limits;

/// <summary>
/// Makes the headers the gateway itself tells backends believable: removes the client's copies of <c>X-Gateway-*</c>
/// and <c>X-Request-Deadline</c>, and sets <c>X-Real-IP</c> to the peer address, as <c>X-Forwarded-For</c> is set,
/// unless a trusted proxy sent one (then it is kept as sent). The transform is put first in every route's list, so any
/// transform that sets one of these headers for the gateway runs after it and is kept. Likewise for what it tells
/// clients: a backend's <c>X-Gateway-Reason</c> is removed from its response (the status stays), so a backend cannot
/// pass its answer off as the gateway's own refusal, to clients or in the console's counts.
/// </summary>
internal sealed class InternalHeaderTransformProvider : ITransformProvider
{
    /// <summary>The transform this provider puts first in every route's list.</summary>
    internal static readonly RequestFuncTransform Strip = new(StripInternalHeaders);

    private static readonly ResponseFuncTransform s_stripReason = new(StripBackendReason);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.RequestTransforms.Insert(0, Strip);
        context.ResponseTransforms.Insert(0, s_stripReason);
    }

    internal static bool IsInternal(string name) =>
        name.StartsWith(LimitsConstants.InternalHeaderPrefix, StringComparison.OrdinalIgnoreCase) ||
        name.Equals(ResilienceConstants.DeadlineHeader, StringComparison.OrdinalIgnoreCase);

    private static ValueTask StripInternalHeaders(RequestTransformContext context)
    {
        // The edge guard has looked at every header name already; without its word (it always runs in the gateway's
        // pipeline) the headers are read here, and an X-Real-IP is replaced since nobody asked whom to trust.
        var scan = ProxyRequestState.Find(context.HttpContext)?.Headers;
        if (scan is not { InternalHeaders: false })
        {
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
        }

        SetRealIp(context, scan?.RealIp ?? RealIpSender.Untrusted);
        return ValueTask.CompletedTask;
    }

    private static ValueTask StripBackendReason(ResponseTransformContext context)
    {
        // Copied from the backend's response by now; only the gateway's own answers carry the header.
        context.HttpContext.Response.Headers.Remove(GatewayReason.HeaderName);
        return ValueTask.CompletedTask;
    }

    private static void SetRealIp(RequestTransformContext context, RealIpSender sender)
    {
        if (sender == RealIpSender.TrustedProxy)
        {
            return;
        }

        var headers = context.ProxyRequest.Headers;
        if (sender == RealIpSender.Untrusted)
        {
            headers.Remove(LimitsConstants.RealIpHeader);
        }

        // IPAddress caches its text, so this is the string YARP writes to X-Forwarded-For, not a second one.
        if (context.HttpContext.Connection.RemoteIpAddress is { } peer)
        {
            headers.TryAddWithoutValidation(LimitsConstants.RealIpHeader, peer.ToString());
        }
    }
}
