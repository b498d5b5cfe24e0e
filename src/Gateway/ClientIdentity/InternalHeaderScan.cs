namespace Gateway.ClientIdentity;

/// <summary>
/// What the edge guard (<c>Limits/EdgeGuardMiddleware</c>) saw while it checked every header name, so
/// the internal-header transform and <see cref="ForwardedHeaderTransformProvider"/> need not go through
/// the headers a second time: whether the request carries any of the gateway's internal headers, whether it carries
/// <c>X-Real-IP</c> and from whom, and which <c>X-Forwarded-*</c> headers a trusted proxy sent. Carried in
/// <see cref="ProxyRequestState.Headers"/>, one shared instance per combination: recording it allocates nothing.
/// </summary>
internal sealed class InternalHeaderScan
{
    private const int SenderCount = 3;
    private const int ForwardedCount = (int)TrustedForwarded.All + 1;

    private static readonly InternalHeaderScan[] s_all = CreateAll();

    private InternalHeaderScan(bool internalHeaders, RealIpSender realIp, TrustedForwarded forwarded)
    {
        InternalHeaders = internalHeaders;
        RealIp = realIp;
        Forwarded = forwarded;
    }

    public static InternalHeaderScan None => s_all[0];

    /// <summary>Whether the client sent an <c>X-Gateway-*</c> or <c>X-Request-Deadline</c> header.</summary>
    public bool InternalHeaders { get; }

    /// <summary>Who sent <c>X-Real-IP</c>, if anyone.</summary>
    public RealIpSender RealIp { get; }

    /// <summary>The <c>X-Forwarded-*</c> headers a trusted proxy sent; none when the peer is not trusted.</summary>
    public TrustedForwarded Forwarded { get; }

    public static InternalHeaderScan Of(bool internalHeaders, RealIpSender realIp, TrustedForwarded forwarded = TrustedForwarded.None) =>
        s_all[Index(internalHeaders, realIp, forwarded)];

    private static int Index(bool internalHeaders, RealIpSender realIp, TrustedForwarded forwarded) =>
        (((internalHeaders ? 1 : 0) * SenderCount) + (int)realIp) * ForwardedCount + (int)(forwarded & TrustedForwarded.All);

    private static InternalHeaderScan[] CreateAll()
    {
        var all = new InternalHeaderScan[2 * SenderCount * ForwardedCount];
        foreach (var internalHeaders in (ReadOnlySpan<bool>)[false, true])
        {
            for (var sender = 0; sender < SenderCount; sender++)
            {
                for (var forwarded = 0; forwarded < ForwardedCount; forwarded++)
                {
                    all[Index(internalHeaders, (RealIpSender)sender, (TrustedForwarded)forwarded)] =
                        new(internalHeaders, (RealIpSender)sender, (TrustedForwarded)forwarded);
                }
            }
        }

        return all;
    }
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

/// <summary>
/// The <c>X-Forwarded-*</c> headers a peer in <c>Gateway:ClientIdentity:TrustedProxies</c> sent: <c>X-Forwarded-For</c>
/// is appended to, the others are kept as sent. Headers not named here are set from what the gateway saw.
/// </summary>
[Flags]
internal enum TrustedForwarded
{
    None = 0,
    For = 1,
    Proto = 2,
    Host = 4,
    Prefix = 8,
    All = For | Proto | Host | Prefix,
}
