namespace Gateway.Resilience;

/// <summary>
/// A cluster's retry budget, like Finagle's <c>RetryBudget</c> and Envoy's retry budgets: over a sliding window,
/// retries may be at most <c>BudgetPercent</c> of the requests, or <c>MinRetriesPerSecond</c> times the window when
/// that is more (so a quiet cluster can still retry). When a backend fails everything, load is then bounded by
/// requests x (1 + BudgetPercent/100) instead of requests x MaxAttempts.
/// </summary>
/// <remarks>
/// Lock-free: counts sit in ring buckets updated with <see cref="Interlocked"/>. A bucket is recycled by whoever
/// first sees it is stale, so a count racing with the recycle may be lost; the budget is approximate by design, and
/// a withdrawal increments before it checks, so concurrent retries cannot overshoot it together.
/// </remarks>
internal sealed class RetryBudget
{
    private readonly TimeProvider _time;
    private readonly long _bucketTicks;
    private readonly double _ratio;
    private readonly long _minPerWindow;
    private readonly long[] _epochs = new long[ResilienceConstants.BudgetBuckets];
    private readonly long[] _requests = new long[ResilienceConstants.BudgetBuckets];
    private readonly long[] _retries = new long[ResilienceConstants.BudgetBuckets];

    public RetryBudget(double budgetPercent, double minRetriesPerSecond, TimeProvider time)
    {
        _time = time;
        _ratio = budgetPercent / 100;
        _minPerWindow = (long)Math.Floor(minRetriesPerSecond * ResilienceConstants.BudgetWindow.TotalSeconds);
        _bucketTicks = Math.Max(1, (long)(time.TimestampFrequency * ResilienceConstants.BudgetWindow.TotalSeconds / ResilienceConstants.BudgetBuckets));
        Array.Fill(_epochs, -1);
    }

    /// <summary>Counts one request (a first attempt) to the cluster.</summary>
    public void RecordRequest() => RecordRequest(_time.GetTimestamp());

    /// <summary>Counts one request (a first attempt) to the cluster at <paramref name="now"/>, a timestamp the caller read.</summary>
    public void RecordRequest(long now)
    {
        var index = BucketAt(now, out _);
        Interlocked.Increment(ref _requests[index]);
    }

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryWithdraw()
    {
        var index = CurrentBucket(out var epoch);
        var retries = Interlocked.Increment(ref _retries[index]);
        long requests = 0;
        for (var i = 0; i < _epochs.Length; i++)
        {
            if (Volatile.Read(ref _epochs[i]) > epoch - ResilienceConstants.BudgetBuckets)
            {
                requests += Volatile.Read(ref _requests[i]);
                if (i != index)
                {
                    retries += Volatile.Read(ref _retries[i]);
                }
            }
        }

        if (retries <= Allowed(requests))
        {
            return true;
        }

        Interlocked.Decrement(ref _retries[index]);
        return false;
    }

    /// <summary>Retries allowed in a window that saw <paramref name="requests"/> requests.</summary>
    public long Allowed(long requests) => Math.Max((long)Math.Floor(requests * _ratio), _minPerWindow);

    private int CurrentBucket(out long epoch) => BucketAt(_time.GetTimestamp(), out epoch);

    private int BucketAt(long now, out long epoch)
    {
        epoch = now / _bucketTicks;
        var index = (int)(epoch % ResilienceConstants.BudgetBuckets);
        var seen = Volatile.Read(ref _epochs[index]);
        if (seen != epoch && Interlocked.CompareExchange(ref _epochs[index], epoch, seen) == seen)
        {
            Interlocked.Exchange(ref _requests[index], 0);
            Interlocked.Exchange(ref _retries[index], 0);
        }

        return index;
    }
}
