using Gateway.Answers;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Gateway.Utilities;

namespace Gateway.Limits;

/// <summary>
/// Answers 413 at once when a request's <c>Content-Length</c> is over its route's <c>MaxRequestBodySize</c>. YARP
/// enforces the limit only while it streams the body, after the request head has gone to the backend, so a declared
/// oversize body would still open a backend request that is then aborted. A chunked body is cut off by Kestrel while
/// it streams; when the response has not started by then, it gets the same problem answer instead of YARP's or
/// Kestrel's bare 413.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, GatewayResponseWriter writer)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength is { } length)
        {
            // The route's limit is looked up only for a request that declares a length (most requests have no body).
            return context.ProxyFeature().Route.Config.MaxRequestBodySize is { } max && max >= 0 && length > max
                ? writer.WriteAsync(context, LimitsProblems.RequestTooLarge)
                : next(context);
        }

        // Only a body of unknown length (chunked) can meet the limit while it streams.
        return context.Feature<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            ? InvokeStreamingAsync(context)
            : next(context);
    }

    private async Task InvokeStreamingAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            // A step that read the body itself (the retry step buffering it) met the limit.
            await writer.WriteAsync(context, LimitsProblems.RequestTooLarge);
            return;
        }

        // YARP met the limit while streaming the body to the backend and answered a bare 413.
        if (!context.Response.HasStarted &&
            context.Feature<IForwarderErrorFeature>() is { Error: ForwarderError.RequestBodyClient } error &&
            IsBodyTooLarge(error.Exception))
        {
            await writer.WriteAsync(context, LimitsProblems.RequestTooLarge);
        }
    }

    private static bool IsBodyTooLarge(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }

        return false;
    }
}
