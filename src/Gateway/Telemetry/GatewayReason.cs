namespace Gateway.Telemetry;

/// <summary>Values of the <c>X-Gateway-Reason</c> header on every response the gateway gives itself.</summary>
public static class GatewayReason
{
    public const string HeaderName = "X-Gateway-Reason";

    public const string RateLimited = "rate-limited";
    public const string Overloaded = "overloaded";
    public const string CircuitOpen = "circuit-open";
    public const string NoHealthyDestination = "no-healthy-destination";
    public const string UpstreamTimeout = "upstream-timeout";
    public const string UpstreamUnreachable = "upstream-unreachable";

    /// <summary>A request refused at the edge before routing (underscore header, CONNECT, absolute or * target).</summary>
    public const string BadRequest = "bad-request";

    /// <summary>A request body declared larger than its route's <c>MaxRequestBodySize</c> (413).</summary>
    public const string RequestTooLarge = "request-too-large";
}
