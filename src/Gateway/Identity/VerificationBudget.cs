namespace Gateway.Identity;

/// <summary>
/// Each client's budget of signature checks that did not succeed, <c>MaxFailedVerificationsPerSecond</c> a second, so
/// that a client forging tokens stops costing a check each: once it is spent, its tokens the cache does not know are
/// refused unverified. A cell-rate bucket (GCRA): a burst of up to the budget, then one check every 1/budget of a
/// second, so a flood's checks are spread over the second instead of arriving together at its start (ten RS256
/// checks at once are a millisecond of CPU that shows in every other client's p99). A check is charged before it
/// starts and given back when the token proves valid: counting failures only after the check let every request in
/// flight through (a flood over 32 connections started up to 32 checks at once). Valid clients are unaffected while
/// their tokens are cached; a client's valid but uncached tokens are refused only while more than the budget's worth
/// of its checks run at the same moment.
/// </summary>
/// <remarks>
/// A fixed table indexed by a hash of the client's address (the same client address rate limits use), not a map: a
/// client spraying addresses or tokens cannot grow it, and nothing is allocated per request. Two clients whose
/// addresses share a slot share a budget; that only makes the budget stricter for them, and only for tokens not yet
/// cached.
/// </remarks>
internal sealed class VerificationBudget(TimeProvider time)
{
    private const int Slots = 4096;

    // Per slot: the theoretical arrival time of the client's next check, in TimeProvider timestamp ticks. A check is
    // allowed when that time is at most (budget - 1) intervals ahead of now, and moves it one interval on.
    private readonly long[] _slots = new long[Slots];

    /// <summary>
    /// Charges one check to <paramref name="client"/>'s budget of <paramref name="max"/> a second; false (nothing
    /// charged) when it is spent. <paramref name="charged"/> is what <see cref="Refund"/> gives back.
    /// </summary>
    public bool TryTake(int client, int max, out long charged)
    {
        ref var slot = ref _slots[client & (Slots - 1)];
        var interval = Math.Max(1, time.TimestampFrequency / Math.Max(1, max));
        var tolerance = interval * (max - 1);
        var now = time.GetTimestamp();
        while (true)
        {
            var due = Volatile.Read(ref slot);
            var start = Math.Max(due, now);
            if (start - now > tolerance)
            {
                charged = 0;
                return false;
            }

            if (Interlocked.CompareExchange(ref slot, start + interval, due) == due)
            {
                charged = interval;
                return true;
            }
        }
    }

    /// <summary>Gives back a check that succeeded (<paramref name="charged"/> from <see cref="TryTake"/>).</summary>
    public void Refund(int client, long charged)
    {
        // Moving the next check's time back by what this one moved it on; once that time is past, taking the
        // interval back from it changes nothing (a check starts from now at the earliest).
        Interlocked.Add(ref _slots[client & (Slots - 1)], -charged);
    }
}
