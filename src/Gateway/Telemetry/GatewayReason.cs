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

    /// <summary>A route's identity policy found no credential it accepts (401): missing, unknown or invalid.</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>A valid credential the route's identity policy does not allow (403): another consumer, a missing claim.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>A request body declared larger than its route's <c>MaxRequestBodySize</c> (413).</summary>
    public const string RequestTooLarge = "request-too-large";
}
