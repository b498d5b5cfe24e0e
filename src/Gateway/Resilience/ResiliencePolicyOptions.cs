namespace Gateway.Resilience;

/// <summary>
/// A named resilience policy: <c>Gateway:Resilience:Policies:&lt;name&gt;</c>, referenced by a cluster's
/// <c>Metadata.ResiliencePolicy</c>. Changing a policy rebuilds its clusters' pipelines: their circuits start closed
/// and their retry budgets empty.
/// </summary>
public sealed record ResiliencePolicyOptions
{
    /// <summary>
    /// Total time for a proxied request, retries and backoff included, until the backend's response headers arrive.
    /// Once the response has started, the body (a stream, a slow download) is bounded by the cluster's
    /// <c>HttpRequest:ActivityTimeout</c>, an idle timeout, instead. A route's <c>Metadata.Timeout</c> overrides it.
    /// Default 30 s, range 1 ms to 10 min.
    /// </summary>
    public TimeSpan Timeout { get; init; } = ResilienceConstants.DefaultTimeout;

    /// <summary>
    /// The second clock: once the response has started (and for the whole of an upgraded connection such as a
    /// WebSocket), the longest the backend may stay silent before the response is cut and counted as its failure.
    /// Sets the <c>HttpRequest:ActivityTimeout</c> of clusters using the policy that do not set their own. Default none
    /// (<c>Gateway:Limits:UpstreamActivityTimeout</c> applies), range 1 ms to 24 h.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Time for one attempt. Default none (the total applies), range 1 ms to <see cref="Timeout"/>.</summary>
    public TimeSpan? AttemptTimeout { get; init; }

    /// <summary>The circuit breaker, one per destination.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();

    /// <summary>Retries to another destination, under a retry budget.</summary>
    public RetryPolicyOptions Retry { get; init; } = new();

    /// <summary>The cluster's concurrency limit.</summary>
    public BulkheadOptions Bulkhead { get; init; } = new();
}
