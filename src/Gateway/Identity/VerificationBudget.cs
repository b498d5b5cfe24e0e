namespace Gateway.Identity;

/// <summary>
/// How many tokens that failed verification each client has sent this second, so that a client forging tokens stops
/// costing a signature check each: over <c>MaxFailedVerificationsPerSecond</c>, its tokens the cache does not know are
/// refused unverified for the rest of the second. Valid clients are unaffected while their tokens are cached.
/// </summary>
/// <remarks>
/// A fixed table of counters indexed by a hash of the client's address (the same client address rate limits use),
/// not a map: a client spraying addresses or tokens cannot grow it, and nothing is allocated per request. Two clients
/// whose addresses share a slot share a budget; that only makes the budget stricter for them, and only for tokens
/// not yet cached.
/// </remarks>
internal sealed class VerificationBudget(TimeProvider time)
{
    private const int Slots = 4096;
    private const int CountBits = 24;
    private const long CountMask = (1L << CountBits) - 1;

    // Per slot: the second (Unix time) in the upper bits, the failures in it in the lower 24.
    private readonly long[] _slots = new long[Slots];

    /// <summary>Whether <paramref name="client"/> has used up <paramref name="max"/> failed verifications this second.</summary>
    public bool IsSpent(int client, int max)
    {
        var value = Volatile.Read(ref _slots[client & (Slots - 1)]);
        return value >> CountBits == Second() && (value & CountMask) >= max;
    }

    /// <summary>Counts a token from <paramref name="client"/> that failed verification.</summary>
    public void Failed(int client)
    {
        ref var slot = ref _slots[client & (Slots - 1)];
        var second = Second();
        while (true)
        {
            var value = Volatile.Read(ref slot);
            var next = value >> CountBits == second
                ? value + ((value & CountMask) < CountMask ? 1 : 0)
                : (second << CountBits) | 1;
            if (Interlocked.CompareExchange(ref slot, next, value) == value)
            {
                return;
            }
        }
    }

    private long Second() => time.GetUtcNow().ToUnixTimeSeconds();
}
