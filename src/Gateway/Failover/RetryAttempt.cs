using Yarp.ReverseProxy.Model;

namespace Gateway.Failover;

/// <summary>
/// Per-request retry bookkeeping, shared between the retry middleware and the response transform that holds back
/// a retryable 502/503 body so the request can still be sent elsewhere.
/// </summary>
internal sealed class RetryAttempt
{
    public int RetriesLeft { get; set; } = 1;

    /// <summary>Set by the transform when it held back a retryable response.</summary>
    public bool RetryWanted { get; set; }

    public string Reason { get; set; } = string.Empty;

    public IReadOnlyList<DestinationState>? Candidates { get; set; }
}
