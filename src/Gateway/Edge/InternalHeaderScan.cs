namespace Gateway.Edge;

/// <summary>
/// Whether the request carries any of the gateway's internal headers, as <see cref="EdgeGuardMiddleware"/> saw while
/// it checked every header name, so <see cref="InternalHeaderTransformProvider"/> need not go through the headers a
/// second time. A request feature with two shared instances: setting it allocates nothing.
/// </summary>
internal sealed class InternalHeaderScan
{
    public static readonly InternalHeaderScan None = new(found: false);
    public static readonly InternalHeaderScan Some = new(found: true);

    private InternalHeaderScan(bool found) => Found = found;

    public bool Found { get; }
}
