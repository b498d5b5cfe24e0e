namespace Gateway.RateLimiting;

/// <summary>Who the client is: <c>Gateway:ClientIdentity</c>.</summary>
public sealed record ClientIdentityOptions
{
    /// <summary>
    /// CIDRs (e.g. <c>10.0.0.0/8</c>, <c>::1/128</c>) of proxies in front of the gateway whose
    /// <c>X-Forwarded-For</c> is believed and whose <c>X-Real-IP</c> is passed to backends as sent. Default none: the
    /// client is the socket's peer address.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
}
