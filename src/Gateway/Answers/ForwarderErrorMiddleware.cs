using Gateway.Utilities;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Answers;

/// <summary>
/// Turns YARP's bare error status codes into the gateway's explicit answers when forwarding failed before the
/// response started: 502 <c>upstream-unreachable</c> (refused, reset, broken, or no connection within the connect
/// timeout) and 504 <c>upstream-timeout</c>. Client-side failures (the client went away or sent a broken body) keep
/// YARP's status and are not blamed on the backend.
/// </summary>
internal sealed class ForwarderErrorMiddleware(RequestDelegate next, GatewayResponseWriter writer)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        if (context.Response.HasStarted)
        {
            return;
        }

        if (FailureClassifier.TimedOutByGateway(context))
        {
            // The gateway's own attempt timeout ended the last attempt.
            await writer.WriteAsync(context, GatewayProblem.UpstreamTimeout);
            return;
        }

        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is null)
        {
            return;
        }

        var problem = error.Error switch
        {
            // Nothing reached the backend: answered as a refused connection is, the way Envoy and nginx answer a
            // connect failure, not as a backend that took too long.
            ForwarderError.RequestTimedOut when FailureClassifier.IsConnectTimeout(error) => GatewayProblem.UpstreamUnreachable,
            ForwarderError.RequestTimedOut => GatewayProblem.UpstreamTimeout,
            ForwarderError.Request or ForwarderError.RequestBodyDestination or ForwarderError.ResponseHeaders => GatewayProblem.UpstreamUnreachable,
            _ => null,
        };

        if (problem is not null)
        {
            await writer.WriteAsync(context, problem);
        }
    }
}
