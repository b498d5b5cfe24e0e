using System.Net;
using Gateway.Proxy;
using Gateway.RateLimiting;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Edge;

/// <summary>
/// Refuses, before routing, requests that must never reach a route: header names with an underscore, CONNECT
/// (except HTTP/2 extended CONNECT, which carries WebSockets), and request targets in absolute or asterisk form.
/// </summary>
/// <remarks>
/// Its one pass over the header names also notes, for <see cref="InternalHeaderTransformProvider"/>, the headers whose
/// client copies the gateway replaces, and whether the peer that sent <c>X-Real-IP</c> is a trusted proxy (the rate
/// limiter's snapshot of <c>Gateway:ClientIdentity:TrustedProxies</c>, so both believe the same peers).
/// </remarks>
internal sealed class EdgeGuardMiddleware(RequestDelegate next, GatewayResponseWriter writer, RateLimitingTableSource clientIdentity, ILogger<EdgeGuardMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var problem = Check(context, out var internalHeaders, out var realIp);
        if (problem is null)
        {
            var sender = realIp ? RealIpSenderOf(context.Connection.RemoteIpAddress) : RealIpSender.None;
            context.Features.Set(InternalHeaderScan.Of(internalHeaders, sender));
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

    private RealIpSender RealIpSenderOf(IPAddress? peer) =>
        clientIdentity.Current.ClientIp.IsTrustedPeer(peer) ? RealIpSender.TrustedProxy : RealIpSender.Untrusted;

    internal static GatewayProblem? Check(HttpContext context) => Check(context, out _, out _);

    /// <param name="internalHeaders">Whether a header is one the gateway strips before forwarding (noted here, in the one
    /// pass over the header names, for <see cref="InternalHeaderTransformProvider"/>).</param>
    /// <param name="realIp">Whether the request carries <c>X-Real-IP</c>, which the gateway replaces unless a trusted
    /// proxy sent it.</param>
    internal static GatewayProblem? Check(HttpContext context, out bool internalHeaders, out bool realIp)
    {
        internalHeaders = false;
        realIp = false;
        var request = context.Request;
        if (HttpMethods.IsConnect(request.Method) && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true)
        {
            return EdgeProblems.ConnectMethod;
        }

        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (target is { Length: > 0 } && target[0] != '/')
        {
            return target == "*" ? EdgeProblems.AsteriskTarget : EdgeProblems.AbsoluteFormTarget;
        }

        foreach (var header in request.Headers)
        {
            if (header.Key.Contains('_', StringComparison.Ordinal))
            {
                return EdgeProblems.UnderscoreHeader;
            }

            internalHeaders |= InternalHeaderTransformProvider.IsInternal(header.Key);
            realIp |= header.Key.Equals(EdgeConstants.RealIpHeader, StringComparison.OrdinalIgnoreCase);
        }

        return null;
    }
}
