namespace Gateway.Resilience;

/// <summary>
/// Retries under a budget: <c>Gateway:Resilience:Policies:&lt;name&gt;:Retry</c>. Only requests that are safe to
/// send twice (the failover rule: idempotent, body absent or buffered) and only before any response byte reached the
/// client; each retry goes to another destination. Connect errors, resets and attempt timeouts are retried, and the
/// listed statuses.
/// </summary>
public sealed record RetryPolicyOptions
{
    /// <summary>Attempts per request, the first included; 1 turns retries off. Default 2, range 1 to 10.</summary>
    public int MaxAttempts { get; init; } = ResilienceConstants.DefaultMaxAttempts;

    /// <summary>The first backoff delay; it doubles per retry, with jitter. Default 50 ms, range 0 to 1 min.</summary>
    public TimeSpan BackoffBaseDelay { get; init; } = ResilienceConstants.DefaultBackoffBaseDelay;

    /// <summary>
    /// The longest backoff delay, and the longest backend <c>Retry-After</c> waited out before a retry (a longer one
    /// goes to the client). Default 1 s, range <see cref="BackoffBaseDelay"/> to 1 min.
    /// </summary>
    public TimeSpan BackoffMaxDelay { get; init; } = ResilienceConstants.DefaultBackoffMaxDelay;

    /// <summary>
    /// Retries may be at most this share, in percent, of the cluster's requests over the last 10 s (a retry budget
    /// like Finagle's and Envoy's). Default 20, range 0 to 100.
    /// </summary>
    public double BudgetPercent { get; init; } = ResilienceConstants.DefaultBudgetPercent;

    /// <summary>
    /// Retries always allowed per second however few requests there are (over the 10 s window: 10 times this).
    /// Default 3, range 0 to 10000.
    /// </summary>
    public double MinRetriesPerSecond { get; init; } = ResilienceConstants.DefaultMinRetriesPerSecond;

    /// <summary>Backend statuses that are retried. Default 502, 503; each 500 to 599.</summary>
    public IReadOnlyList<int>? StatusCodes { get; init; }

    /// <summary>The effective <see cref="StatusCodes"/>.</summary>
    internal IReadOnlyList<int> EffectiveStatusCodes => StatusCodes ?? ResilienceConstants.DefaultRetryStatusCodes;

    public bool Equals(RetryPolicyOptions? other) =>
        other is not null &&
        MaxAttempts == other.MaxAttempts &&
        BackoffBaseDelay == other.BackoffBaseDelay &&
        BackoffMaxDelay == other.BackoffMaxDelay &&
        BudgetPercent.Equals(other.BudgetPercent) &&
        MinRetriesPerSecond.Equals(other.MinRetriesPerSecond) &&
        EffectiveStatusCodes.SequenceEqual(other.EffectiveStatusCodes);

    public override int GetHashCode() => HashCode.Combine(MaxAttempts, BackoffBaseDelay, BackoffMaxDelay, BudgetPercent, MinRetriesPerSecond);
}
