namespace Gateway.Failover;

/// <summary>
/// Retrying a failed attempt once on another destination: <c>Gateway:Failover:Retry</c>. Applies to every cluster.
/// </summary>
public sealed record RetryOptions
{
    /// <summary>Whether failed idempotent requests are retried on another destination. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// A request body up to this size (from Content-Length) is buffered so the request can be retried; larger or
    /// chunked bodies are never retried. Default 65536 (64 KiB), range 0 to 10485760 (10 MiB).
    /// </summary>
    public long MaxBufferedBodySize { get; init; } = FailoverConstants.DefaultMaxBufferedBodySize;
}
