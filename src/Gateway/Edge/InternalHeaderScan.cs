namespace Gateway.Edge;

/// <summary>
/// What <see cref="EdgeGuardMiddleware"/> saw while it checked every header name, so
/// <see cref="InternalHeaderTransformProvider"/> need not go through the headers a second time: whether the request
/// carries any of the gateway's internal headers, and whether it carries <c>X-Real-IP</c> and from whom. A request
/// feature with one shared instance per combination: setting it allocates nothing.
/// </summary>
internal sealed class InternalHeaderScan
{
    private static readonly InternalHeaderScan[] s_all =
    [
        new(internalHeaders: false, RealIpSender.None),
        new(internalHeaders: false, RealIpSender.Untrusted),
        new(internalHeaders: false, RealIpSender.TrustedProxy),
        new(internalHeaders: true, RealIpSender.None),
        new(internalHeaders: true, RealIpSender.Untrusted),
        new(internalHeaders: true, RealIpSender.TrustedProxy),
    ];

    private InternalHeaderScan(bool internalHeaders, RealIpSender realIp)
    {
        InternalHeaders = internalHeaders;
        RealIp = realIp;
    }

    public static InternalHeaderScan None => s_all[0];

    /// <summary>Whether the client sent an <c>X-Gateway-*</c> or <c>X-Request-Deadline</c> header.</summary>
    public bool InternalHeaders { get; }

    /// <summary>Who sent <c>X-Real-IP</c>, if anyone.</summary>
    public RealIpSender RealIp { get; }

    public static InternalHeaderScan Of(bool internalHeaders, RealIpSender realIp) =>
        s_all[(internalHeaders ? 3 : 0) + (int)realIp];
}

/// <summary>Who sent the request's <c>X-Real-IP</c>.</summary>
internal enum RealIpSender
{
    /// <summary>No <c>X-Real-IP</c> came with the request.</summary>
    None,

    /// <summary>A peer that is not a trusted proxy: its value is replaced.</summary>
    Untrusted,

    /// <summary>A peer in <c>Gateway:ClientIdentity:TrustedProxies</c>: its value is kept.</summary>
    TrustedProxy,
}
