using Gateway.Answers;
using Yarp.ReverseProxy.Model;

namespace Gateway.Limits;

/// <summary>
/// Answers 413 at once when a request's <c>Content-Length</c> is over its route's <c>MaxRequestBodySize</c>. YARP
/// enforces the limit only while it streams the body, after the request head has gone to the backend, so a declared
/// oversize body would still open a backend request that is then aborted. Chunked bodies are still cut off by Kestrel
/// while they stream.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, GatewayResponseWriter writer)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetReverseProxyFeature().Route.Config.MaxRequestBodySize;
        if (context.Request.ContentLength is { } length && limit is { } max && max >= 0 && length > max)
        {
            return writer.WriteAsync(context, LimitsProblems.RequestTooLarge);
        }

        return next(context);
    }
}
