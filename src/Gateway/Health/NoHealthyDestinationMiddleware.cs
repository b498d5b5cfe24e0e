using Gateway.Answers;
using Yarp.ReverseProxy.Model;
using Gateway.Utilities;

namespace Gateway.Health;

/// <summary>
/// Answers 503 <c>no-healthy-destination</c> at once when health filtering left nothing to send to, instead of
/// letting the request reach a forwarder that can only fail.
/// </summary>
internal sealed class NoHealthyDestinationMiddleware(RequestDelegate next, GatewayResponseWriter writer)
{
    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.ProxyFeature();
        if (proxy.AvailableDestinations.Count == 0)
        {
            return writer.WriteAsync(
                context,
                GatewayProblem.NoHealthyDestination,
                RetryAfter.Jittered(AnswersConstants.NoHealthyRetryAfterMinSeconds, AnswersConstants.NoHealthyRetryAfterMaxSeconds));
        }

        return next(context);
    }
}
