using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Utilities;

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
        if (TimedOutByGateway(context))
        {
            return true;
        }

        var error = context.Feature<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
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

    /// <summary>
    /// Whether the gateway's own attempt or total timeout ended the attempt (<see cref="ProxyRequestState.AttemptTimeout"/>):
    /// the destination took too long, as with YARP's <see cref="ForwarderError.RequestTimedOut"/>.
    /// </summary>
    public static bool TimedOutByGateway(HttpContext context) => ProxyRequestState.Find(context)?.AttemptTimeout is not null;

    /// <summary>
    /// Whether the attempt never reached a live server: refused, reset before headers, or no connection within the
    /// connect timeout (<see cref="IsConnectTimeout"/>).
    /// </summary>
    public static bool IsConnectionFailure(HttpContext context) =>
        context.Feature<IForwarderErrorFeature>() is { } error && (error.Error is ForwarderError.Request || IsConnectTimeout(error));

    /// <summary>
    /// Whether the attempt failed because the TCP connect did not complete within <c>SocketsHttpHandler.ConnectTimeout</c>
    /// (<c>Gateway:Limits:UpstreamConnectTimeout</c>). YARP reports it as <see cref="ForwarderError.RequestTimedOut"/>,
    /// like a backend that stopped answering, but nothing reached the backend: it is a connection failure, safe to send
    /// elsewhere as a refused connection is. SocketsHttpHandler tells it apart the way HttpClient tells its own timeout
    /// from a cancellation: an <see cref="OperationCanceledException"/> around a <see cref="TimeoutException"/>.
    /// </summary>
    public static bool IsConnectTimeout(IForwarderErrorFeature error) =>
        error.Error == ForwarderError.RequestTimedOut && error.Exception is OperationCanceledException { InnerException: TimeoutException };

    /// <summary>
    /// Whether the attempt failed before a connection existed, so not one byte of the request left the gateway: the
    /// connect was refused or failed (<see cref="HttpRequestError.ConnectionError"/>), or it timed out. Unlike a reset
    /// before headers, which <see cref="IsConnectionFailure"/> also covers, this is safe to send again whatever the
    /// method, as nginx's <c>proxy_next_upstream</c> does for non-idempotent requests.
    /// </summary>
    public static bool NothingSent(HttpContext context) =>
        context.Feature<IForwarderErrorFeature>() is { } error &&
        ((error.Error is ForwarderError.Request && error.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }) ||
         IsConnectTimeout(error));
}
