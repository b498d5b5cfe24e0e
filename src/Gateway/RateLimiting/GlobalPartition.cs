using StackExchange.Redis;

namespace Gateway.RateLimiting;

/// <summary>One partition's lease on this instance: tokens granted by Redis and not yet spent.</summary>
internal sealed class GlobalPartition(string key, RedisKey[] keys, TimeProvider time) : PartitionEntry(key)
{
    private long _tokens;
    private long _expires;
    private long _deniedUntil;
    private long _remaining;
    private long _index;
    private long _debt;
    private long _debtExpires;
    private long _slowAdmitted;
    private long _refillStarted;
    private Task<bool>? _refill;

    public RedisKey[] Keys { get; } = keys;

    /// <summary>
    /// Holding no spendable token: its state is then all in Redis. One holding a lease is kept by the idle sweep (its
    /// tokens are the client's); to make room it may still go, which loses the lease (under-admission, never over).
    /// </summary>
    public override bool IsIdle => (Volatile.Read(ref _tokens) == 0 || time.GetTimestamp() >= Volatile.Read(ref _expires)) && Volatile.Read(ref _debt) == 0;

    /// <param name="prefetchAt">Sets <paramref name="prefetch"/> for the one taker that leaves exactly this many tokens.</param>
    public bool TryTake(long now, int prefetchAt, out long remaining, out bool prefetch)
    {
        remaining = 0;
        prefetch = false;
        if (now >= Volatile.Read(ref _expires))
        {
            return false;
        }

        var tokens = Volatile.Read(ref _tokens);
        while (tokens > 0)
        {
            var seen = Interlocked.CompareExchange(ref _tokens, tokens - 1, tokens);
            if (seen == tokens)
            {
                // What Redis has left plus what this instance still holds.
                remaining = Volatile.Read(ref _remaining) + tokens - 1;
                prefetch = prefetchAt > 0 && tokens - 1 == prefetchAt;
                return true;
            }

            tokens = seen;
        }

        return false;
    }

    /// <summary>When Redis expects the next token, after it answered "none left"; 0 otherwise.</summary>
    public long DeniedUntil => Volatile.Read(ref _deniedUntil);

    /// <summary>Until when Redis's last answer holds (the end of its window or segment, or the lease lifetime).</summary>
    public long Expires => Volatile.Read(ref _expires);

    /// <summary>When the lease call in flight was sent (a timestamp); meaningful while one is.</summary>
    public long RefillStarted => Volatile.Read(ref _refillStarted);

    /// <summary>
    /// Admits one request while Redis is slow to answer, against Redis's last answer: at most remaining / (2 x
    /// <paramref name="instances"/>) of what Redis had left, so that all instances together pass at most half of it
    /// this way (the leases in flight take at most the other half). The admission is recorded as debt, charged to
    /// Redis with the next lease call.
    /// </summary>
    public bool TryTakeWhileSlow(long now, int instances, long debtUntil)
    {
        if (now >= Volatile.Read(ref _expires))
        {
            return false;
        }

        var allowance = Volatile.Read(ref _remaining) / (RateLimitingConstants.SlowAllowanceDivisor * Math.Max(1, instances));
        var taken = Volatile.Read(ref _slowAdmitted);
        while (taken < allowance)
        {
            var seen = Interlocked.CompareExchange(ref _slowAdmitted, taken + 1, taken);
            if (seen == taken)
            {
                AddDebt(1, debtUntil);
                return true;
            }

            taken = seen;
        }

        return false;
    }

    /// <summary>
    /// Records <paramref name="tokens"/> admitted without Redis, to be charged with the next lease call. Debt older than
    /// <paramref name="validUntil"/> (the window it was spent in) is dropped rather than charged to a later window.
    /// </summary>
    public void AddDebt(long tokens, long validUntil)
    {
        Interlocked.Add(ref _debt, tokens);
        Volatile.Write(ref _debtExpires, Math.Max(Volatile.Read(ref _debtExpires), validUntil));
    }

    /// <summary>The debt to charge now (zero if it belongs to a window that has ended), taken off this partition.</summary>
    public long TakeDebt(long now)
    {
        var debt = Interlocked.Exchange(ref _debt, 0);
        return now < Volatile.Read(ref _debtExpires) ? debt : 0;
    }

    /// <summary>The unspent tokens of a lease still valid, taken off this partition, with their window index.</summary>
    public long TakeUnspent(long now, out long index)
    {
        index = Volatile.Read(ref _index);
        return now < Volatile.Read(ref _expires) ? Interlocked.Exchange(ref _tokens, 0) : 0;
    }

    /// <summary>
    /// Takes a new lease. Tokens still valid from the previous one are kept (a prefetch arrives before they run out)
    /// when they may still be spent: a token bucket's always, a window's only if both leases are of the same window
    /// or segment (the index Redis returned), since a token granted in one window must not be spent in the next.
    /// </summary>
    public void Apply(long granted, long remaining, long expires, long deniedUntil, long index, long now, bool tokenBucket)
    {
        // Requests admitted while this call was out are paid from its grant first: Redis counted the grant, so
        // spending it as well would admit them twice. What the grant cannot cover is charged with the next call.
        var debt = Volatile.Read(ref _debt);
        while (debt > 0 && granted > 0)
        {
            var pay = Math.Min(debt, granted);
            var seen = Interlocked.CompareExchange(ref _debt, debt - pay, debt);
            if (seen == debt)
            {
                granted -= pay;
                debt -= pay;
                break;
            }

            debt = seen;
        }

        Volatile.Write(ref _remaining, remaining);
        Volatile.Write(ref _deniedUntil, deniedUntil);

        // The answer counts the debt this call charged; what was admitted since it was sent is still owed.
        Volatile.Write(ref _slowAdmitted, debt);
        var previous = Volatile.Read(ref _expires);
        if (now < previous && (tokenBucket || index == Volatile.Read(ref _index)))
        {
            Interlocked.Add(ref _tokens, granted);
            Volatile.Write(ref _expires, tokenBucket ? expires : Math.Min(expires, previous));
            return;
        }

        // Tokens first, then the expiry that makes them spendable: a reader sees either the old lease or the new.
        Volatile.Write(ref _tokens, granted);
        Volatile.Write(ref _index, index);
        Volatile.Write(ref _expires, expires);
    }

    /// <summary>The lease call in flight for this partition, or a new one: never two at once per instance.</summary>
    public Task<bool> GetOrStartRefill(GlobalRateLimitPolicy policy)
    {
        var current = Volatile.Read(ref _refill);
        if (current is { IsCompleted: false })
        {
            return current;
        }

        var source = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var installed = Interlocked.CompareExchange(ref _refill, source.Task, current);
        if (installed != current)
        {
            return installed!;
        }

        Volatile.Write(ref _refillStarted, time.GetTimestamp());

        // Off the request's thread: a client library can block before it hands back its task (a write lock on a
        // dying socket), and the request must still be free to give up after its 5 ms.
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Partition.RunAsync(s.Policy, s.Done), (Partition: this, Policy: policy, Done: source), preferLocal: false);
        return source.Task;
    }

    private async Task RunAsync(GlobalRateLimitPolicy policy, TaskCompletionSource<bool> done)
    {
        try
        {
            done.TrySetResult(await policy.RefillAsync(this));
        }
        catch (Exception)
        {
            // Whatever failed (a malformed answer, a disposed connection, a throwing metrics listener), the refill
            // must end: requests of this partition wait on this task, and one never completed would cost each of
            // them the whole Redis timeout.
            done.TrySetResult(false);
        }
    }
}
