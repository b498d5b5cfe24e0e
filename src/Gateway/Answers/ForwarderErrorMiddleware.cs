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
    public Task InvokeAsync(HttpContext context) =>
        // The admission step gives the answer after its own await when it admitted the request (see
        // ProxyRequestState.ForwarderErrorsAnswered): a second await here would cost an async state machine per request.
        ProxyRequestState.Find(context) is { ForwarderErrorsAnswered: true } ? next(context) : InvokeAndAnswerAsync(context);

    /// <summary>
    /// The answer for a forwarding that failed before the response started, once the rest of the pipeline has run;
    /// a completed task when there is nothing to answer.
    /// </summary>
    public static Task AnswerAsync(HttpContext context, GatewayResponseWriter writer)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        if (FailureClassifier.TimedOutByGateway(context))
        {
            // The gateway's own attempt timeout ended the last attempt.
            return writer.WriteAsync(context, GatewayProblem.UpstreamTimeout);
        }

        var error = context.Feature<IForwarderErrorFeature>();
        if (error is null)
        {
            return Task.CompletedTask;
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

        return problem is null ? Task.CompletedTask : writer.WriteAsync(context, problem);
    }

    private async Task InvokeAndAnswerAsync(HttpContext context)
    {
        await next(context);
        await AnswerAsync(context, writer);
    }
}
