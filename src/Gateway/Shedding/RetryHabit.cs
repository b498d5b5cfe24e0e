using System.Collections.Concurrent;
using Yarp.ReverseProxy.Model;

namespace Gateway.Shedding;

/// <summary>
/// Whether the clients of one cluster retry a refusal at once or wait out its <c>Retry-After</c>, seen on their
/// connections: the refused route asked for again on the same connection within
/// <see cref="SheddingConstants.EarlyRetryWindow"/> is a retry that did not wait (a <c>Retry-After</c> is at least a
/// second, or 0 when the operator wants clients back at once, which is what such a retry is). The queue's wait follows
/// it (<see cref="ClusterShedder"/>): a client that retries at once turns every refusal into another request, so
/// holding it in the queue up to <c>QueueTimeout</c> serves it better than refusing it; a client that waits out
/// <c>Retry-After</c> loses nothing by a prompt refusal and only risks its own timeout by a long wait, so it waits no
/// more than <c>PacedQueueTimeout</c>. Until refusals say which, the queue takes the shorter wait: a long one fills with
/// waiters before anyone can tell how long clients wait, and with 1 s clients those waiters were refused a second
/// late or granted after their clients had gone (docs/load-shedding.md).
/// </summary>
/// <remarks>
/// A request's only cost is one read of <see cref="Watching"/>, true only while refused connections are remembered.
/// Early retries are weighed against the fewer of this <see cref="SheddingConstants.RetryHabitBucket"/>'s refusals and
/// the last one's (a storm's refusals grow from bucket to bucket, and their retries land in the next): as soon as
/// <see cref="SheddingConstants.MinRefusalsToJudgeHabit"/> of them are a quarter of that, the clients are naive. At a
/// bucket's end with at least that many refusals, fewer than a tenth retried early makes them paced, and between a
/// tenth and a quarter the judgement stands. It holds for <see cref="SheddingConstants.ClientPatienceMemory"/> after the
/// last bucket that showed it.
/// The connection's next request settles its mark: a connection shared by many callers (a server-side pool, HTTP/2)
/// looks naive only when that request asks for the refused route again, which then gets the long queue the gateway had
/// before it told the two apart.
/// </remarks>
internal sealed class RetryHabit
{
    private const int Unknown = 0;
    private const int AtOnce = 1;
    private const int Waits = 2;

    private readonly ConcurrentDictionary<string, Mark> _marks = new(StringComparer.Ordinal);
    private readonly long _window;
    private readonly long _bucket;
    private readonly long _memory;
    private readonly long _frequency;
    private readonly ILogger? _logger;
    private readonly string _cluster;
    private readonly TimeSpan _atOnceWait;
    private readonly TimeSpan _pacedWait;
    private int _marked;
    private long _bucketStart;
    private int _refused;
    private int _refusedBefore;
    private int _retriedEarly;
    private int _habit;
    private long _judgedAt;

    public RetryHabit(TimeProvider time, string cluster = "", ILogger? logger = null, TimeSpan atOnceWait = default, TimeSpan pacedWait = default)
    {
        _cluster = cluster;
        _logger = logger;
        _atOnceWait = atOnceWait;
        _pacedWait = pacedWait;
        var frequency = time.TimestampFrequency;
        _frequency = frequency;
        _window = (long)(SheddingConstants.EarlyRetryWindow.TotalSeconds * frequency);
        _bucket = (long)(SheddingConstants.RetryHabitBucket.TotalSeconds * frequency);
        _memory = (long)(SheddingConstants.ClientPatienceMemory.TotalSeconds * frequency);
        _bucketStart = time.GetTimestamp();
    }

    /// <summary>Whether refused connections are remembered, so that an arrival may be a retry.</summary>
    public bool Watching => Volatile.Read(ref _marked) > 0;

    /// <summary>Whether the clients were last seen retrying refusals at once (and that is recent).</summary>
    public bool RetriesAtOnce(long now) => Volatile.Read(ref _habit) == AtOnce && now - Volatile.Read(ref _judgedAt) < _memory;

    /// <summary>Whether the clients were last seen waiting out their <c>Retry-After</c> (and that is recent).</summary>
    public bool WaitsOutRetryAfter(long now) => Volatile.Read(ref _habit) == Waits && now - Volatile.Read(ref _judgedAt) < _memory;

    /// <summary>For operators: <c>at_once</c>, <c>after_retry_after</c> or <c>unknown</c> (no judgement in memory).</summary>
    public string Describe(long now) => RetriesAtOnce(now) ? "at_once" : WaitsOutRetryAfter(now) ? "after_retry_after" : "unknown";

    /// <summary>A request of <paramref name="route"/> on connection <paramref name="connectionId"/> was refused.</summary>
    /// <param name="retryAfterSeconds">The <c>Retry-After</c> it was given: its connection is remembered until a second after it, so that its return is known (<see cref="Arrived"/>); with 0, for the early window only.</param>
    /// <param name="refusals">How many times in a row this client has now been refused this route, this time included.</param>
    public void Refused(string connectionId, RouteModel route, long now, int retryAfterSeconds = 0, int refusals = 1)
    {
        // First, so that this refusal counts in the bucket it falls in.
        RollIfDue(now);
        // A Retry-After of 0 asks for the client at once: its return is a retry like any other.
        var until = retryAfterSeconds > 0 ? now + ((retryAfterSeconds + SheddingConstants.ReturnGraceSeconds) * _frequency) : now + _window;
        var mark = new Mark(now, until, route, refusals);
        if (_marks.TryAdd(connectionId, mark))
        {
            Interlocked.Increment(ref _marked);
        }
        else
        {
            _marks[connectionId] = mark;
        }

        Interlocked.Increment(ref _refused);
    }

    /// <summary>A request of <paramref name="route"/> arrived on connection <paramref name="connectionId"/>; call only while <see cref="Watching"/>.</summary>
    /// <returns>
    /// For a client back from refusals of the same route that it waited out (past the early window), how many times in a
    /// row it was refused; 0 for anyone else. The queue prefers such a client over a first attempt
    /// (<see cref="ClusterShedder.EnterAsync(RequestPriority, TimeSpan, int, CancellationToken)"/>).
    /// </returns>
    public int Arrived(string connectionId, RouteModel route, long now)
    {
        RollIfDue(now);
        // The connection's next request settles its mark, whatever its route: on a keep-alive pool's connection, which
        // carries many callers, the refused route came back within the window only because other callers' requests
        // kept the connection busy (a steady warm-up's two dozen refusals on pooled connections judged the clients
        // naive, and the storm that followed queued its patient clients for 2 s, docs/load-shedding.md).
        if (_marks.TryRemove(connectionId, out var mark))
        {
            Interlocked.Decrement(ref _marked);
            if (!ReferenceEquals(mark.Route, route))
            {
                return 0;
            }

            if (now - mark.At >= _window)
            {
                return now < mark.Until ? mark.Refusals : 0;
            }

            var early = Interlocked.Increment(ref _retriedEarly);
            // Against the refusals of this bucket or the last, whichever fewer: a storm's refusals grow from one
            // bucket to the next, and their retries come in the bucket after them.
            if (early >= SheddingConstants.MinRefusalsToJudgeHabit && early * 4 >= Math.Min(Volatile.Read(ref _refused), Volatile.Read(ref _refusedBefore)))
            {
                // Naive clients are told apart at once, not at the bucket's end: every refusal they get until then
                // is a retry spent under the shorter wait (the demo's storm lost sessions that way).
                Judge(AtOnce, now);
            }
        }

        return 0;
    }

    private void RollIfDue(long now)
    {
        var start = Volatile.Read(ref _bucketStart);
        if (now - start < _bucket || Interlocked.CompareExchange(ref _bucketStart, now, start) != start)
        {
            return;
        }

        // Only the thread that moved the bucket on gets here: the counts are its to judge.
        var refused = Interlocked.Exchange(ref _refused, 0);
        var early = Interlocked.Exchange(ref _retriedEarly, 0);
        var before = Interlocked.Exchange(ref _refusedBefore, refused);
        if (refused >= SheddingConstants.MinRefusalsToJudgeHabit)
        {
            if (early * 4 >= (before >= SheddingConstants.MinRefusalsToJudgeHabit ? Math.Min(refused, before) : refused))
            {
                Judge(AtOnce, now);
            }
            else if (early * 10 < refused)
            {
                // Only clear evidence turns naive clients into patient ones: a bucket whose refusals come in a burst
                // sees their retries in the next, and a wrong turn shortens the queue for naive clients.
                Judge(Waits, now);
            }
            else
            {
                // Between the two: the judgement stands, and holds as long as such buckets come.
                if (Volatile.Read(ref _habit) != Unknown)
                {
                    Volatile.Write(ref _judgedAt, now);
                }
            }
        }

        Forget(now);
    }

    private void Judge(int habit, long now)
    {
        Volatile.Write(ref _judgedAt, now);
        if (Interlocked.Exchange(ref _habit, habit) != habit && _logger is not null)
        {
            // For operators and load testers: when the queue's wait changed, and why.
            Log.RetryHabitChanged(_logger, _cluster, habit == AtOnce ? "retry at once" : "wait out Retry-After", habit == AtOnce ? _atOnceWait : _pacedWait);
        }
    }

    /// <summary>Drops the marks whose client is past its <c>Retry-After</c> and a second more: a return after that is not known as one.</summary>
    private void Forget(long now)
    {
        foreach (var (connectionId, mark) in _marks)
        {
            if (now >= mark.Until && _marks.TryRemove(new KeyValuePair<string, Mark>(connectionId, mark)))
            {
                Interlocked.Decrement(ref _marked);
            }
        }
    }

    private readonly record struct Mark(long At, long Until, RouteModel Route, int Refusals);
}
