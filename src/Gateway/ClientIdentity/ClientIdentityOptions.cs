namespace Gateway.ClientIdentity;

/// <summary>Who the client is: <c>Gateway:ClientIdentity</c>.</summary>
public sealed record ClientIdentityOptions
{
    /// <summary>
    /// CIDRs (e.g. <c>10.0.0.0/8</c>, <c>::1/128</c>) or addresses of proxies in front of the gateway whose
    /// <c>X-Forwarded-For</c> is believed (for the client address) and passed on with the proxy appended, and whose
    /// <c>X-Forwarded-Proto</c>, <c>X-Forwarded-Host</c>, <c>X-Forwarded-Prefix</c> and <c>X-Real-IP</c> are passed to
    /// backends as sent. Default none: the client is the socket's peer address and every such header is set from what
    /// the gateway saw.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>
    /// How per-client limits (rate-limit policies with <c>PartitionBy: ClientIp</c> and
    /// <c>Gateway:Limits:MaxNewConnectionsPerSecondPerClient</c>) group IPv6 clients: by this many leading bits, since a
    /// client usually holds a whole /64. IPv4 clients are counted per address. Default 64, range 32 to 128 (128: per
    /// address).
    /// </summary>
    public int Ipv6PrefixLength { get; init; } = ClientIdentityConstants.DefaultIpv6PrefixLength;
}
