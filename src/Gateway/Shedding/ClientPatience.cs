namespace Gateway.Shedding;

/// <summary>
/// How long the clients of one cluster wait before they give up, learned from its queue: the waits after which queued
/// requests were abandoned. A queue that holds requests longer than their clients wait hands the backend work whose
/// answer nobody reads: with 1 s clients behind the default 2 s queue, 15% of the backend's answers in a storm went to
/// callers that had left, and each abandoned wait cost a naive client one of its retries. Once clients are seen giving
/// up, the queue's wait is held under their patience, less twice the backend's latency, so that a request granted
/// late is still answered in time; a waiter that cannot be is refused (with its <c>Retry-After</c>) while its client
/// still listens.
/// </summary>
/// <remarks>
/// Used under the shedder's queue lock. One impatient caller says nothing about the rest: the patience is the mean
/// abandoned wait of a second that saw at least <see cref="SheddingConstants.MinAbandonmentsPerSecond"/> of them, and it
/// is forgotten <see cref="SheddingConstants.ClientPatienceMemory"/> after the last such second (the queue it shortens
/// stops seeing abandonments, so it must not forget them at once). Nor does a crowd leaving at once: clients that give
/// up at their timeout leave after waits close to one another, while a load balancer, a network blip or a load
/// generator stopping closes every connection at one instant, after waits spread from nothing to the longest (a
/// benchmark's window ends taught a patience of tens of milliseconds that then refused waiters for 30 s), so a second
/// whose waits spread more than <see cref="SheddingConstants.MaxPatienceSpread"/> (standard deviation over mean)
/// teaches nothing. The spread is judged as each abandonment comes, so a patience is known as soon as ten alike waits
/// show it; when a crowd leaves oldest first its first waits are alike, so what a second taught is taken back once its
/// later waits spread, and waits under <see cref="SheddingConstants.MinClientPatience"/> teach nothing at all.
/// </remarks>
internal sealed class ClientPatience
{
    private readonly long _second;
    private readonly long _memory;
    private readonly long _shortest;
    private long _bucketStart;
    private int _count;
    private long _sum;
    private double _sumOfSquares;
    private long _patience;
    private long _until = long.MinValue;

    // What was known before the current second taught anything, to go back to if the second turns out a crowd.
    private bool _taughtThisSecond;
    private long _patienceBefore;
    private long _untilBefore = long.MinValue;

    public ClientPatience(TimeProvider time)
    {
        _second = time.TimestampFrequency;
        _memory = (long)(SheddingConstants.ClientPatienceMemory.TotalSeconds * time.TimestampFrequency);
        _shortest = (long)(SheddingConstants.MinClientPatience.TotalSeconds * time.TimestampFrequency);
        _bucketStart = time.GetTimestamp();
    }

    /// <summary>A queued request's client left after <paramref name="waited"/> ticks in the queue.</summary>
    public void Abandoned(long waited, long now)
    {
        if (now - _bucketStart >= _second)
        {
            _bucketStart = now;
            _count = 0;
            _sum = 0;
            _sumOfSquares = 0;
            _taughtThisSecond = false;
        }

        var wait = Math.Max(0, waited);
        _count++;
        _sum += wait;
        _sumOfSquares += (double)wait * wait;
        if (_count < SheddingConstants.MinAbandonmentsPerSecond)
        {
            return;
        }

        if (Concentrated() && _sum / _count >= _shortest)
        {
            if (!_taughtThisSecond)
            {
                _taughtThisSecond = true;
                _patienceBefore = _patience;
                _untilBefore = _until;
            }

            _patience = _sum / _count;
            _until = now + _memory;
        }
        else if (_taughtThisSecond)
        {
            // The second's first waits were alike only because the crowd left oldest first.
            _taughtThisSecond = false;
            _patience = _patienceBefore;
            _until = _untilBefore;
        }
    }

    private bool Concentrated()
    {
        var mean = (double)_sum / _count;
        var variance = Math.Max(0, (_sumOfSquares / _count) - (mean * mean));
        return mean > 0 && Math.Sqrt(variance) <= SheddingConstants.MaxPatienceSpread * mean;
    }

    /// <summary>Whether clients were recently seen giving up in the queue.</summary>
    public bool Known(long now) => now < _until;

    /// <summary>
    /// The longest a request should wait in the queue: <paramref name="configured"/>, or less while clients are known
    /// to give up sooner: their patience less twice <paramref name="latency"/> (the backend's, in ticks), but never
    /// under half their patience (a slow window must not close the queue).
    /// </summary>
    public long Wait(long configured, long latency, long now) =>
        now < _until ? Math.Min(configured, Math.Max(_patience / 2, _patience - (2 * latency))) : configured;
}
