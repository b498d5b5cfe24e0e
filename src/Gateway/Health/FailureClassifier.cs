using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Health;

/// <summary>
/// Decides whether a proxied attempt failed because of the destination. A client's own fault (it went away, sent
/// a broken or slow body) never counts against a backend: YARP's CVE-2023-33141 was exactly that mistake.
/// </summary>
internal static class FailureClassifier
{
    /// <summary>Any 5xx from the destination counts: outlier detection's rule.</summary>
    public static bool IsDestinationFailure(HttpContext context) => IsDestinationFailure(context, static status => status >= 500);

    /// <param name="isFailureStatus">Which statuses of a completed response count (a circuit breaker's own list).</param>
    public static bool IsDestinationFailure(HttpContext context, Func<int, bool> isFailureStatus)
    {
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        return error switch
        {
            ForwarderError.None => isFailureStatus(context.Response.StatusCode),
            ForwarderError.Request or
            ForwarderError.RequestTimedOut or
            ForwarderError.RequestBodyDestination or
            ForwarderError.ResponseBodyDestination or
            ForwarderError.ResponseHeaders or
            ForwarderError.UpgradeRequestDestination or
            ForwarderError.UpgradeResponseDestination => true,
            _ => false,
        };
    }

    /// <summary>Whether the attempt never reached a live server (refused, reset before headers).</summary>
    public static bool IsConnectionFailure(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>()?.Error is ForwarderError.Request;
}
