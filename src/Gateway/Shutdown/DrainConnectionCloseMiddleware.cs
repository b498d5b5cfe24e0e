using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Gateway.Utilities;

namespace Gateway.Shutdown;

/// <summary>
/// While draining, answers HTTP/1.x requests with <c>Connection: close</c>, so a client's kept-alive connection ends
/// with the answer and its next request opens a connection a balancer can send elsewhere. An HTTP/2 connection that
/// sends a request while draining is asked to close (Kestrel sends GOAWAY, lets its streams in flight finish and
/// takes no new ones), for the same reason; the rest get GOAWAY from Kestrel when the listeners close.
/// </summary>
internal sealed class DrainConnectionCloseMiddleware(RequestDelegate next, DrainState state)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (state.IsDraining && IsHttp1(context.Request.Protocol))
        {
            context.Response.Headers[HeaderNames.Connection] = ShutdownConstants.ConnectionClose;
            // Again as the response starts: the gateway's own answers clear the headers before they write theirs.
            // Only while draining, so the callback costs ordinary requests nothing.
            context.Response.OnStarting(s_closeOnStart, context.Response);
        }
        else if (state.IsDraining && HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            context.Feature<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        return next(context);
    }

    private static readonly Func<object, Task> s_closeOnStart = static response =>
    {
        ((HttpResponse)response).Headers[HeaderNames.Connection] = ShutdownConstants.ConnectionClose;
        return Task.CompletedTask;
    };

    private static bool IsHttp1(string protocol) => HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol);
}
