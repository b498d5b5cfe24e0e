namespace Gateway.Identity;

/// <summary>
/// How many verifications that did not succeed each client has had this second, so that a client forging tokens stops
/// costing a signature check each: at <c>MaxFailedVerificationsPerSecond</c>, its tokens the cache does not know are
/// refused unverified for the rest of the second. A verification takes its share before it starts and gives it back
/// when the token proves valid: counting failures only after the check let every request in flight at the start of a
/// second through (a flood over 32 connections had up to 32 checks at once each second, a burst of several ms of CPU
/// that showed in the valid clients' p99). Valid clients are unaffected while their tokens are cached; a client's
/// valid but uncached tokens are refused only while more than the budget's worth of its checks run at once.
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

    // Per slot: the second (Unix time) in the upper bits, the verifications charged in it in the lower 24.
    private readonly long[] _slots = new long[Slots];

    /// <summary>
    /// Charges one verification to <paramref name="client"/>'s budget of <paramref name="max"/> for this second; false
    /// (nothing charged) when it is spent. <paramref name="second"/> is what <see cref="Refund"/> needs.
    /// </summary>
    public bool TryTake(int client, int max, out long second)
    {
        ref var slot = ref _slots[client & (Slots - 1)];
        second = Second();
        while (true)
        {
            var value = Volatile.Read(ref slot);
            var count = value >> CountBits == second ? value & CountMask : 0;
            if (count >= Math.Min(max, CountMask))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref slot, (second << CountBits) | (count + 1), value) == value)
            {
                return true;
            }
        }
    }

    /// <summary>Gives back a verification charged in <paramref name="second"/> that succeeded; nothing once that second is over.</summary>
    public void Refund(int client, long second)
    {
        ref var slot = ref _slots[client & (Slots - 1)];
        while (true)
        {
            var value = Volatile.Read(ref slot);
            if (value >> CountBits != second || (value & CountMask) == 0 ||
                Interlocked.CompareExchange(ref slot, value - 1, value) == value)
            {
                return;
            }
        }
    }

    private long Second() => time.GetUtcNow().ToUnixTimeSeconds();
}
