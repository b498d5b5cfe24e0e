using Gateway.Answers;
using Gateway.ClientIdentity;
using Microsoft.AspNetCore.Http.Features;
using Gateway.Utilities;

namespace Gateway.Limits;

/// <summary>
/// Refuses, before routing, requests that must never reach a route: header names with an underscore, CONNECT
/// (except HTTP/2 extended CONNECT, which carries WebSockets), and request targets in absolute or asterisk form.
/// </summary>
/// <remarks>
/// Its one pass over the header names also notes, for <see cref="InternalHeaderTransformProvider"/> and
/// <see cref="ForwardedHeaderTransformProvider"/>, the headers whose client copies the gateway replaces, and whether the
/// peer that sent <c>X-Real-IP</c> or <c>X-Forwarded-*</c> is a trusted proxy (<see cref="ClientIdentitySource"/>, which the rate
/// limiter reads too, so all three believe the same peers).
/// </remarks>
internal sealed class EdgeGuardMiddleware(RequestDelegate next, GatewayResponseWriter writer, ClientIdentitySource clientIdentity, ILogger<EdgeGuardMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var problem = Check(context, out var internalHeaders, out var realIp, out var forwarded);
        if (problem is null)
        {
            // Trust only matters for headers the peer sent, so the trusted list is not consulted for the rest.
            var trusted = (realIp || forwarded != TrustedForwarded.None) &&
                clientIdentity.Current.IsTrustedPeer(context.Connection.RemoteIpAddress);
            var sender = !realIp ? RealIpSender.None : trusted ? RealIpSender.TrustedProxy : RealIpSender.Untrusted;
            ProxyRequestState.Of(context).Headers = InternalHeaderScan.Of(internalHeaders, sender, trusted ? forwarded : TrustedForwarded.None);
            return next(context);
        }

        Log.RequestRefused(logger, problem.Title, context.Connection.RemoteIpAddress);
        if (HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            // The request is well framed, but a client that sends these is probing; it does not get to reuse the
            // connection. Set when the answer starts, since the writer clears the response first.
            context.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.Connection = "close";
                return Task.CompletedTask;
            }, context.Response);
        }

        return writer.WriteAsync(context, problem);
    }

    /// <param name="internalHeaders">Whether a header is one the gateway strips before forwarding (noted here, in the one
    /// pass over the header names, for <see cref="InternalHeaderTransformProvider"/>).</param>
    /// <param name="realIp">Whether the request carries <c>X-Real-IP</c>, which the gateway replaces unless a trusted
    /// proxy sent it.</param>
    /// <param name="forwarded">The <c>X-Forwarded-*</c> headers the request carries, which the gateway keeps (or, for
    /// <c>X-Forwarded-For</c>, appends to) only when a trusted proxy sent them.</param>
    internal static GatewayProblem? Check(HttpContext context, out bool internalHeaders, out bool realIp, out TrustedForwarded forwarded)
    {
        internalHeaders = false;
        realIp = false;
        forwarded = TrustedForwarded.None;
        var request = context.Request;
        if (HttpMethods.IsConnect(request.Method) && context.Feature<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true)
        {
            return LimitsProblems.ConnectMethod;
        }

        var target = context.Feature<IHttpRequestFeature>()?.RawTarget;
        if (target is { Length: > 0 } && target[0] != '/')
        {
            return target == "*" ? LimitsProblems.AsteriskTarget : LimitsProblems.AbsoluteFormTarget;
        }

        foreach (var header in request.Headers)
        {
            if (header.Key.Contains('_', StringComparison.Ordinal))
            {
                return LimitsProblems.UnderscoreHeader;
            }

            internalHeaders |= InternalHeaderTransformProvider.IsInternal(header.Key);
            realIp |= header.Key.Equals(LimitsConstants.RealIpHeader, StringComparison.OrdinalIgnoreCase);
            forwarded |= ForwardedHeaderTransformProvider.ForwardedHeaderOf(header.Key);
        }

        return null;
    }
}
