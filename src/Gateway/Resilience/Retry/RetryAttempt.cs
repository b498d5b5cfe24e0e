using Gateway.Resilience;
using Polly;
using Yarp.ReverseProxy.Model;

namespace Gateway.Resilience;

/// <summary>
/// Per-request retry bookkeeping, shared between the retry middleware and the response transform that holds back
/// a retryable 502/503 body so the request can still be sent elsewhere.
/// </summary>
internal sealed class RetryAttempt
{
    /// <summary>Where the retry pipeline's delay generator finds the attempt (for a backend's Retry-After).</summary>
    public static readonly ResiliencePropertyKey<RetryAttempt> PropertyKey = new("Gateway.RetryAttempt");

    public int RetriesLeft { get; set; } = 1;

    /// <summary>The cluster's resilience policy (retry budget, retryable statuses); null retries once, unbudgeted.</summary>
    public ClusterResilience? Resilience { get; init; }

    /// <summary>A backend's Retry-After to wait before the next attempt, when the policy honours it.</summary>
    public TimeSpan? RetryAfter { get; set; }

    /// <summary>
    /// A request that may not be sent twice (not idempotent, no <c>Idempotency-Key</c>): retried only when its attempt
    /// failed before a connection existed and its body was never read, never after a backend saw it.
    /// </summary>
    public bool ConnectFailuresOnly { get; init; }

    /// <summary>Set by the transform when it held back a retryable response.</summary>
    public bool RetryWanted { get; set; }

    public string Reason { get; set; } = string.Empty;

    public IReadOnlyList<DestinationState>? Candidates { get; set; }

    /// <summary>
    /// Set when the first attempt, run before the retry pipeline, asked for a retry: the pipeline's first callback
    /// reports that outcome instead of sending the request again.
    /// </summary>
    public bool FirstOutcomePending { get; set; }

    /// <summary>The retry step, when the step around it hosts the retry after its own await (see <see cref="ProxyRequestState.RetryHost"/>).</summary>
    public RetryMiddleware? Owner { get; set; }

    /// <summary>Whether the pipeline's callback is to report the first attempt's outcome; true once only.</summary>
    public bool TakeFirstOutcome()
    {
        var pending = FirstOutcomePending;
        FirstOutcomePending = false;
        return pending;
    }
}
