using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Health;

/// <summary>
/// Decides whether a proxied attempt failed because of the destination. A client's own fault (it went away, sent
/// a broken or slow body) never counts against a backend: YARP's CVE-2023-33141 was exactly that mistake.
/// </summary>
internal static class FailureClassifier
{
    public static bool IsDestinationFailure(HttpContext context)
    {
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        return error switch
        {
            ForwarderError.None => context.Response.StatusCode >= 500,
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
