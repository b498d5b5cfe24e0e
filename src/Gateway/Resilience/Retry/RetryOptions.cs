namespace Gateway.Resilience;

/// <summary>
/// Retrying a failed attempt on another destination: <c>Gateway:Resilience:Retry</c>. A cluster with a resilience
/// policy retries as its policy's <c>Retry</c> says; this section governs the clusters without one, and the body size
/// every retry may buffer.
/// </summary>
public sealed record RetryOptions
{
    /// <summary>
    /// Whether a failed idempotent request to a cluster without a resilience policy is retried once, at once, on
    /// another destination. Default true. It does not turn off a policy's retries (set the policy's
    /// <c>Retry:MaxAttempts</c> to 1 for that): false beside a policy that retries is a validation error.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// A request body up to this size (from Content-Length) is buffered so the request can be retried; larger or
    /// chunked bodies are never retried. Default 65536 (64 KiB), range 0 to 10485760 (10 MiB).
    /// </summary>
    public long MaxBufferedBodySize { get; init; } = ResilienceConstants.DefaultMaxBufferedBodySize;
}
