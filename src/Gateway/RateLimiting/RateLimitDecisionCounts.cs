namespace Gateway.RateLimiting;

/// <summary>One policy's decisions so far, by outcome.</summary>
internal sealed class RateLimitDecisionCounts
{
    private long _allowed;
    private long _rejected;

    public long Allowed => Volatile.Read(ref _allowed);

    public long Rejected => Volatile.Read(ref _rejected);

    public void Count(bool allowed) => Interlocked.Increment(ref allowed ? ref _allowed : ref _rejected);
}
