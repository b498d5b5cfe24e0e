namespace Gateway.Shedding;

/// <summary>
/// Admission to one cluster: in-flight requests against the adaptive limit, by priority, with a short queue.
/// <c>critical</c> may use the whole limit; <c>default</c> only limit × (1 − CriticalReservedFraction);
/// <c>sheddable</c> only limit × min(SheddableFraction, 1 − CriticalReservedFraction). A request over its share waits
/// up to PacedQueueTimeout, or QueueTimeout while the cluster's clients are seen retrying refusals at once
/// (<see cref="RetryHabit"/>), a critical one no longer than CriticalQueueTimeout. Critical and default waiters are
/// granted earliest deadline first, and let in only if that order reaches them by their deadline at the cluster's pace
/// (<see cref="FitsByDeadline"/>); sheddable ones get what is left, and are refused while anyone above them waits. A
/// full queue makes room for a higher priority by refusing the oldest waiter of the lowest one. A priority's queue that
/// stands (has not emptied for StandingQueueInterval) drops, as CoDel does, the waiters that have waited longer than
/// StandingQueueWait.
/// </summary>
/// <remarks>
/// Admission and release are lock-free (<see cref="Interlocked"/> on the in-flight count); the queue takes a lock, but
/// only requests that must wait and releases that find waiters touch it.
/// </remarks>
internal sealed class ClusterShedder
{
    private readonly Queue<Waiter>[] _queues = [new(), new(), new()];
    private readonly int[] _queuedByPriority = new int[RequestPriorities.Count];

    // The waiter each priority's queue took last, while it is a first attempt; under _queueLock. A returning client
    // may take its place (TryDisplaceNewest).
    private readonly Waiter?[] _newest = new Waiter?[RequestPriorities.Count];
    private readonly long _freshWaiterAge;
    private readonly Lock _queueLock = new();
    private readonly TimeProvider _time;
    private readonly double _defaultShare;
    private readonly double _sheddableShare;
    private readonly bool _dropsStanding;
    private readonly long _standingWait;
    private readonly long _standingInterval;
    private int _inFlight;
    private int _queued;

    // When each priority's queue last went from empty to non-empty; under _queueLock.
    private readonly long[] _nonEmptySince = new long[RequestPriorities.Count];

    // How fast each priority's queue is served, measured while it holds waiters: grants counted in the current and
    // the previous bucket of DrainBucket each, both restarted when the queue fills from empty; under _queueLock.
    private readonly long[] _drainSince = new long[RequestPriorities.Count];
    private readonly long[] _drainBucketStart = new long[RequestPriorities.Count];
    private readonly int[] _drainPrevious = new int[RequestPriorities.Count];
    private readonly int[] _drainCurrent = new int[RequestPriorities.Count];
    private readonly long[] _drainTotal = new long[RequestPriorities.Count];

    // The limit each of those grants was made under, summed the same way, so that a pace measured under a higher limit
    // is scaled down to the limit now (see TryMeasureDrain); under _queueLock.
    private readonly long[] _drainLimitPrevious = new long[RequestPriorities.Count];
    private readonly long[] _drainLimitCurrent = new long[RequestPriorities.Count];
    private readonly long[] _drainLimitTotal = new long[RequestPriorities.Count];
    private readonly long _drainBucket;
    private readonly long _sweepInterval;
    private readonly long _queueTimeout;
    private readonly long _pacedQueueTimeout;
    private readonly long _criticalQueueTimeout;
    private readonly long _sheddableCalm;
    private readonly ClientPatience _patience;

    // Debug events tell which of the queue's rules refused waiters after they had waited, and when.
    private readonly ILogger _logger;
    private long _lastSweep;

    // The limit the last Grant saw; under _queueLock. A lower one now sweeps the queue at once.
    private int _limitSeen;

    // When a request above sheddable last had to queue; under _queueLock. Far enough back to be "never" without the
    // subtraction from a timestamp overflowing.
    private long _aboveSheddableQueuedAt = long.MinValue / 2;

    // When each priority's queue was last seen standing (HigherPriorityStands); under _queueLock. "Never" as above.
    private readonly long[] _stoodAt = [long.MinValue / 2, long.MinValue / 2, long.MinValue / 2];
    private readonly long _standingCalm;

    // Critical requests admitted (at once or into the queue) in the current second, and in the last whole one: the
    // critical work that will take slots ahead of a default waiter, whose deadline is later (see FitsByDeadline).
    private int _criticalAdmitted;
    private int _criticalLast;
    private long _criticalBucketStart;

    // The limit over about the last second, for scaling a completion rate counted under a higher one (see ClusterPace);
    // under _queueLock.
    private double _meanLimit;
    private long _meanLimitAt;

    // The fewest slots any default waiter has to spare before its deadline at the cluster's pace, as the last sweep
    // found it, less the critical waiters let in since: each of those goes ahead of every default waiter. Under _queueLock.
    private double _defaultSlack = double.MaxValue;

    public ClusterShedder(string clusterId, SheddingOptions options, TimeProvider time, FleetCounts? fleet = null, ILogger? logger = null)
    {
        ClusterId = clusterId;
        Options = options;
        _time = time;
        Limit = new GradientLimit(options, time);
        Pacer = new AdmissionPacer(options, time, fleet, Limit);
        _defaultShare = 1 - options.CriticalReservedFraction;
        _sheddableShare = Math.Min(options.SheddableFraction, _defaultShare);
        _dropsStanding = options.StandingQueueWait < options.QueueTimeout;
        _standingWait = (long)(options.StandingQueueWait.TotalSeconds * time.TimestampFrequency);
        _standingInterval = (long)(options.StandingQueueInterval.TotalSeconds * time.TimestampFrequency);
        _queueTimeout = (long)(options.QueueTimeout.TotalSeconds * time.TimestampFrequency);
        _pacedQueueTimeout = Math.Min(_queueTimeout, (long)(options.PacedQueueTimeout.TotalSeconds * time.TimestampFrequency));
        _criticalQueueTimeout = (long)(options.CriticalQueueTimeout.TotalSeconds * time.TimestampFrequency);
        _freshWaiterAge = (long)(SheddingConstants.FreshWaiterAge.TotalSeconds * time.TimestampFrequency);
        _drainBucket = (long)(SheddingConstants.DrainRateBucket.TotalSeconds * time.TimestampFrequency);
        _sweepInterval = (long)(SheddingConstants.QueueSweepInterval.TotalSeconds * time.TimestampFrequency);
        _sheddableCalm = (long)(SheddingConstants.SheddableQueueCalm.TotalSeconds * time.TimestampFrequency);
        _standingCalm = (long)(SheddingConstants.HigherQueueStandingCalm.TotalSeconds * time.TimestampFrequency);
        _patience = new ClientPatience(time);
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Habit = new RetryHabit(time, clusterId, logger, options.QueueTimeout, TimeSpan.FromSeconds(_pacedQueueTimeout / (double)time.TimestampFrequency));
    }

    public string ClusterId { get; }

    public SheddingOptions Options { get; }

    public GradientLimit Limit { get; }

    public AdmissionPacer Pacer { get; }

    /// <summary>How the cluster's clients answer a refusal, which sets how long the queue holds them.</summary>
    public RetryHabit Habit { get; }

    /// <summary>Requests admitted and not yet finished.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The longest a request may wait in the queue now (QueueTimeout or PacedQueueTimeout, by <see cref="Habit"/>).</summary>
    public TimeSpan QueueWaitNow => TimeSpan.FromSeconds(QueueWait(_time.GetTimestamp()) / (double)_time.TimestampFrequency);

    /// <summary>How the cluster's clients were last seen answering a refusal, for operators.</summary>
    public string ClientsRetry => Habit.Describe(_time.GetTimestamp());

    /// <summary>Requests waiting in the queue.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>How many requests of <paramref name="priority"/> may be in flight at <paramref name="limit"/>.</summary>
    public int Threshold(RequestPriority priority, int limit) => priority switch
    {
        RequestPriority.Critical => limit,
        // At least one default request may run, or a MinLimit of 1 would refuse everything but critical for ever.
        RequestPriority.Default => Math.Max(1, (int)(limit * _defaultShare)),
        _ => (int)(limit * _sheddableShare),
    };

    /// <summary>Takes a slot at once if the priority's share has room and nobody of its or a higher priority waits.</summary>
    public bool TryEnter(RequestPriority priority)
    {
        if (Volatile.Read(ref _queued) > 0 && HasWaitersAtOrAbove(priority))
        {
            // First come first served: a newcomer must not overtake the waiters of its own class.
            return false;
        }

        if (!TryIncrement(Threshold(priority, Limit.Current)))
        {
            return false;
        }

        if (priority == RequestPriority.Critical)
        {
            Interlocked.Increment(ref _criticalAdmitted);
        }

        return true;
    }

    /// <summary>Waits in the queue for a slot, up to QueueTimeout.</summary>
    /// <returns>Null when admitted, otherwise the reason for refusing.</returns>
    public ValueTask<string?> EnterAsync(RequestPriority priority, CancellationToken cancellationToken) =>
        EnterAsync(priority, Timeout.InfiniteTimeSpan, refusedBefore: 0, cancellationToken);

    /// <summary>As <see cref="EnterAsync(RequestPriority, TimeSpan, int, CancellationToken)"/>, for a first attempt.</summary>
    public ValueTask<string?> EnterAsync(RequestPriority priority, TimeSpan clientBudget, CancellationToken cancellationToken) =>
        EnterAsync(priority, clientBudget, refusedBefore: 0, cancellationToken);

    /// <summary>
    /// Waits in the queue for a slot, up to QueueTimeout, and no longer than <paramref name="clientBudget"/> (the time
    /// the client said it waits, <see cref="Resilience.ClientDeadline"/>) less twice the backend's latency, so that a
    /// request granted at the end of its wait is still answered before its client gives up. Refused on arrival, as
    /// <c>backlog</c>, when its queue would not reach it within that.
    /// </summary>
    /// <param name="clientBudget">The client's own deadline from now; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="refusedBefore">
    /// For a client back from refusals it waited out, how many in a row (<see cref="RetryHabit.Arrived"/>); 0 for a
    /// first attempt. When its queue would not reach a returning client, it takes the place of the newest first attempt
    /// of its priority if that joined within <see cref="SheddingConstants.FreshWaiterAge"/>, which is refused instead,
    /// still within milliseconds of its arrival; after <see cref="SheddingConstants.RefusalsBeforeAging"/> refusals it
    /// is let in whatever the backlog. Without that, which sessions a storm refused again was chance: some were sent
    /// back six times and ran out of retries (docs/load-shedding.md).
    /// </param>
    /// <returns>Null when admitted, otherwise the reason for refusing.</returns>
    public async ValueTask<string?> EnterAsync(RequestPriority priority, TimeSpan clientBudget, int refusedBefore, CancellationToken cancellationToken)
    {
        var returning = refusedBefore > 0;
        if (Options.QueueLimit == 0 || Options.QueueTimeout <= TimeSpan.Zero)
        {
            return SheddingReasons.QueueFull;
        }

        Waiter waiter;
        TimeSpan timeout;
        lock (_queueLock)
        {
            var now = _time.GetTimestamp();
            var clientDeadline = clientBudget == Timeout.InfiniteTimeSpan
                ? long.MaxValue
                : now + (long)(clientBudget.TotalSeconds * _time.TimestampFrequency);
            var ownWait = clientDeadline == long.MaxValue ? long.MaxValue : clientDeadline - (2 * LatencyTicks) - now;
            var queueWait = QueueWait(priority, now);
            if (queueWait <= 0)
            {
                // PacedQueueTimeout 0: clients that wait out Retry-After are refused rather than queued (and
                // CriticalQueueTimeout 0, critical requests).
                return SheddingReasons.QueueFull;
            }

            if (ownWait <= 0)
            {
                // A client with no more than the backend's answer time left would get its answer after it gave up.
                return SheddingReasons.Backlog;
            }

            // A client refused RefusalsBeforeAging times in a row is let in whatever the backlog, as a scheduler ages a
            // starved task: without that, a few sessions of every storm were refused six times and ran out of retries.
            var aged = refusedBefore >= SheddingConstants.RefusalsBeforeAging && priority != RequestPriority.Sheddable;
            if (!aged && BacklogOutlastsWait(priority, now, queueWait, ownWait, now + Math.Min(queueWait, ownWait)) && !(returning && TryDisplaceNewest(priority, now)))
            {
                return SheddingReasons.Backlog;
            }

            if (_queued >= Options.QueueLimit && !EvictBelow(priority))
            {
                return SheddingReasons.QueueFull;
            }

            if (_queuedByPriority[(int)priority] == 0)
            {
                _nonEmptySince[(int)priority] = now;
                _drainSince[(int)priority] = now;
                _drainBucketStart[(int)priority] = now;
                _drainPrevious[(int)priority] = 0;
                _drainCurrent[(int)priority] = 0;
                _drainTotal[(int)priority] = 0;
                _drainLimitPrevious[(int)priority] = 0;
                _drainLimitCurrent[(int)priority] = 0;
                _drainLimitTotal[(int)priority] = 0;
            }

            var hold = HoldFor(priority, queueWait, now);
            waiter = new Waiter(now, clientDeadline, queueWait, now + Math.Min(queueWait, ownWait), now + Math.Min(hold, ownWait));
            // The queue's wait as it stands now (with a paced default waiter's overrun), or its client's own deadline if
            // sooner, which ends the wait with a 503 and a Retry-After while the client still listens, in case the sweep
            // has no pace to judge it by (the limit still finding capacity, the queue just filled).
            timeout = TimeSpan.FromSeconds(Math.Min(hold, ownWait) / (double)_time.TimestampFrequency);

            _queues[(int)priority].Enqueue(waiter);
            _newest[(int)priority] = returning ? null : waiter;
            _queuedByPriority[(int)priority]++;
            Volatile.Write(ref _queued, _queued + 1);
            if (priority != RequestPriority.Sheddable)
            {
                _aboveSheddableQueuedAt = now;
                RefuseSheddableWaiters();
            }

            if (priority == RequestPriority.Critical)
            {
                Interlocked.Increment(ref _criticalAdmitted);
                _defaultSlack--;
            }
        }

        // A slot may have freed between TryEnter and the enqueue, with no release left to hand it over.
        Grant();
        var outcome = await waiter.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case Waiter.Granted:
                return null;
            case Waiter.EvictedState:
                return SheddingReasons.QueueFull;
            case Waiter.DroppedState:
                return SheddingReasons.QueueStanding;
            case Waiter.ExpiredState:
                return SheddingReasons.Backlog;
            default:
                // Timed out or the client left: the waiter marked itself gone; Grant skips it, the counts are ours.
                lock (_queueLock)
                {
                    CountOut((int)priority);
                    var now = _time.GetTimestamp();
                    if (outcome == Waiter.Cancelled)
                    {
                        _patience.Abandoned(now - waiter.EnqueuedAt, now);
                    }
                    else if (_logger.IsEnabled(LogLevel.Debug))
                    {
                        var name = RequestPriorities.Name(priority);
                        var waited = Milliseconds(now - waiter.EnqueuedAt);
                        Log.WaiterTimedOut(_logger, ClusterId, name, waited, _queued, InFlight, Limit.Current);
                    }
                }

                return outcome == Waiter.Cancelled ? SheddingReasons.ClientGone : SheddingReasons.QueueTimeout;
        }
    }

    /// <summary>Gives back the slot of a request of <paramref name="priority"/> that completed, counts it for the pace, and hands the slot to a waiter if one fits.</summary>
    public void Exit(RequestPriority priority = RequestPriority.Default)
    {
        Pacer.Completed(_time.GetTimestamp(), priority);
        Interlocked.Decrement(ref _inFlight);
        if (Volatile.Read(ref _queued) > 0)
        {
            Grant();
        }
    }

    private void Grant()
    {
        lock (_queueLock)
        {
            var now = _time.GetTimestamp();
            var limit = Limit.Current;
            FollowLimit(limit, now);
            // Rolls the critical calls' count to the second they came in, whether or not a default request asks.
            _ = CriticalRate(now);
            GrantWaiters(limit, now);
            var fell = limit < _limitSeen;
            _limitSeen = limit;

            // After the grants, so that the rate counts the ones just made. At once when the limit fell: the waiters
            // let in on the pace of the higher limit that the lower one will not reach hear it now, not at the end of
            // their wait (41 late refusals in storm 205521, where the limit fell from 107 to 93 in half a second).
            if (now - _lastSweep >= _sweepInterval || fell)
            {
                _lastSweep = now;
                RefuseWhoWouldNotMakeIt(now);
            }
        }
    }

    /// <summary>
    /// Hands free slots to waiters: critical and default ones earliest deadline first (ties to critical), a default one
    /// within its share of the limit until its deadline is a critical wait away and then within the whole limit;
    /// sheddable ones, oldest first, only when no one above them waits. Under _queueLock.
    /// </summary>
    /// <remarks>
    /// Strict priority broke the queue's promise to default waiters whenever critical calls came back in a batch: the
    /// critical queue took every slot, and default waiters let in before it were refused after waiting (storm 115231:
    /// 1,412 of 1,413 late default refusals). Deadline order keeps critical calls first (their deadline is a critical
    /// wait away, a default one's the paced wait) unless a default waiter is about to run out; admission
    /// (<see cref="FitsByDeadline"/>) lets in only those the order serves in time.
    /// </remarks>
    private void GrantWaiters(int limit, long now)
    {
        var critical = _queues[(int)RequestPriority.Critical];
        var standard = _queues[(int)RequestPriority.Default];
        var criticalStanding = IsStanding((int)RequestPriority.Critical, now);
        var defaultStanding = IsStanding((int)RequestPriority.Default, now);
        while (true)
        {
            var c = LiveHead((int)RequestPriority.Critical, now, criticalStanding);
            var d = LiveHead((int)RequestPriority.Default, now, defaultStanding);
            if (c is null && d is null)
            {
                break;
            }

            if (d is not null && (c is null || d.Deadline < c.Deadline))
            {
                var due = d.Deadline - now <= _criticalQueueTimeout;
                if (TryIncrement(due ? limit : Threshold(RequestPriority.Default, limit)))
                {
                    Hand(standard, d, (int)RequestPriority.Default, now, limit);
                    continue;
                }

                if (c is null)
                {
                    // Sheddable's share is smaller than default's: it does not fit either.
                    return;
                }
            }

            if (!TryIncrement(limit))
            {
                return;
            }

            Hand(critical, c!, (int)RequestPriority.Critical, now, limit);
        }

        var shed = (int)RequestPriority.Sheddable;
        var sheddable = _queues[shed];
        var sheddableStanding = IsStanding(shed, now);
        while (LiveHead(shed, now, sheddableStanding) is { } waiter)
        {
            if (!TryIncrement(Threshold(RequestPriority.Sheddable, limit)))
            {
                return;
            }

            Hand(sheddable, waiter, shed, now, limit);
        }
    }

    /// <summary>
    /// The first waiter of <paramref name="priority"/> still waiting, or null; drops the ended ones before it, and, from
    /// a standing queue, those that waited past StandingQueueWait (CoDel's drop, at once rather than when a slot frees:
    /// its client hears now). Under _queueLock.
    /// </summary>
    private Waiter? LiveHead(int priority, long now, bool standing)
    {
        var queue = _queues[priority];
        while (queue.TryPeek(out var waiter))
        {
            if (waiter.Ended)
            {
                // Already counted out: by its own request when it gave up, or by the sweep that refused it.
                queue.Dequeue();
                continue;
            }

            if (standing && now - waiter.EnqueuedAt > _standingWait)
            {
                queue.Dequeue();
                if (waiter.TryDrop())
                {
                    CountOut(priority);
                }

                continue;
            }

            return waiter;
        }

        return null;
    }

    /// <summary>Gives the slot already taken for <paramref name="waiter"/>, the head of <paramref name="queue"/>, to it; under _queueLock.</summary>
    private void Hand(Queue<Waiter> queue, Waiter waiter, int priority, long now, int limit)
    {
        queue.Dequeue();
        if (waiter.TryGrant())
        {
            CountOut(priority);
            if (priority == (int)RequestPriority.Sheddable)
            {
                // Only the sheddable queue is still judged by its own measured pace; the others by the cluster's.
                CountGrant(priority, now, limit);
            }
        }
        else
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// Refuses, as <c>backlog</c>, the sheddable waiters once anyone above them waits: every slot that frees goes to
    /// those first, so a sheddable waiter would only wait out its timeout, which in a storm refused them after the
    /// whole wait instead of now (a sheddable request arriving now is refused on arrival for the same reason). Under
    /// _queueLock.
    /// </summary>
    private void RefuseSheddableWaiters()
    {
        if (_queuedByPriority[(int)RequestPriority.Sheddable] > 0)
        {
            RefuseAll((int)RequestPriority.Sheddable, "a higher priority waits");
        }
    }

    /// <summary>Refuses, as <c>backlog</c>, every waiter of <paramref name="priority"/>; under _queueLock.</summary>
    /// <param name="why">For the debug event.</param>
    private void RefuseAll(int priority, string why)
    {
        var refused = 0;
        var oldest = 0L;
        while (_queues[priority].TryDequeue(out var waiter))
        {
            if (waiter.TryExpire())
            {
                CountOut(priority);
                refused++;
                oldest = oldest == 0 ? waiter.EnqueuedAt : oldest;
            }
        }

        if (refused > 0 && _logger.IsEnabled(LogLevel.Debug))
        {
            LogWaitersRefused(priority, refused, _time.GetTimestamp() - oldest, why);
        }
    }

    /// <summary>The debug event for <paramref name="refused"/> waiters refused after waiting up to <paramref name="waited"/> ticks; under _queueLock.</summary>
    private void LogWaitersRefused(int priority, int refused, long waited, string why)
    {
        var name = RequestPriorities.Name((RequestPriority)priority);
        var milliseconds = Milliseconds(waited);
        Log.WaitersRefused(_logger, ClusterId, refused, name, milliseconds, why, _queued, InFlight, Limit.Current);
    }

    private double Milliseconds(long ticks) => ticks * 1000.0 / _time.TimestampFrequency;

    /// <summary>
    /// Refuses, as <c>backlog</c>, the newest waiter of <paramref name="priority"/> if it is a first attempt that joined
    /// within <see cref="SheddingConstants.FreshWaiterAge"/>, to make its place in the order over to a returning client;
    /// under _queueLock. Sheddable waiters are refused on arrival or by priority anyway.
    /// </summary>
    private bool TryDisplaceNewest(RequestPriority priority, long now)
    {
        if (priority == RequestPriority.Sheddable || _newest[(int)priority] is not { } newest)
        {
            return false;
        }

        _newest[(int)priority] = null;
        if (now - newest.EnqueuedAt > _freshWaiterAge || !newest.TryExpire())
        {
            return false;
        }

        // Left in its queue, ended, as the sweep leaves those it refuses: LiveHead drops it.
        CountOut((int)priority);
        return true;
    }

    /// <summary>Makes room in a full queue by refusing the oldest waiter of the lowest priority below <paramref name="priority"/>.</summary>
    private bool EvictBelow(RequestPriority priority)
    {
        for (var p = RequestPriorities.Count - 1; p > (int)priority; p--)
        {
            var queue = _queues[p];
            while (queue.TryDequeue(out var waiter))
            {
                if (waiter.TryEvict())
                {
                    CountOut(p);
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a sheddable request finds others waiting, or the waiters of <paramref name="priority"/> and above could
    /// not all be granted within QueueTimeout (StandingQueueWait while its queue stands) at the rate slots free now
    /// (Little's law: the priority's share of the limit over the last window's latency, or the completions of the last
    /// second if more).
    /// Refusing such a request on arrival answers it in microseconds instead of after QueueTimeout, holds no timer,
    /// and lets the queue serve the ones it can: a storm is refused at the door, not at the end of the queue.
    /// </summary>
    /// <param name="queueWait">The queue's wait now (<see cref="QueueWait(RequestPriority, long)"/>), in ticks: QueueTimeout or, for paced clients, less.</param>
    /// <param name="ownWait">The longest this request may wait by its client's own deadline, in ticks; long.MaxValue for none.</param>
    /// <param name="deadline">When its wait would end: the queue's wait, or its client's deadline if sooner.</param>
    private bool BacklogOutlastsWait(RequestPriority priority, long now, long queueWait, long ownWait, long deadline)
    {
        if (priority == RequestPriority.Sheddable && (HasWaitersAtOrAbove(RequestPriority.Default) || now - _aboveSheddableQueuedAt < _sheddableCalm))
        {
            // Waiters above it hold the in-flight count past its half share, and every slot that frees goes to them
            // first: under pressure a sheddable request would wait only to time out. This is how it goes first.
            return true;
        }

        var findingCapacity = Limit.FindingCapacity;
        if (findingCapacity && priority != RequestPriority.Critical)
        {
            // The queue drains at the start-up limit's pace, which says how cautious the gateway still is, not how
            // fast the backend serves: a gateway started just before a 200-client storm refused 60 of them as backlog
            // although its backend could serve them all within the wait. QueueLimit and QueueTimeout still bound it.
            // A critical wait is shorter than a window, in which the limit doubles at most once, and half of it is
            // slip (CriticalQueuePaceSlip, with the default SampleWindow and CriticalQueueTimeout): judged below on the
            // pace now, as after slow start.
            return false;
        }

        if (priority == RequestPriority.Sheddable && HigherPriorityStands((int)priority, now))
        {
            // Every slot that frees goes to the standing queue above: this request would wait only to be refused at
            // the end of its wait. Default requests are judged by deadline instead (FitsByDeadline).
            return true;
        }

        var wait = IsStanding((int)priority, now) ? Math.Min(_standingWait, queueWait) : queueWait;
        if (ownWait < wait)
        {
            // Its client's own deadline, with room for the queue's pace to slip: a request let in at the very edge of
            // it missed it whenever the pace fell a few percent, and was refused at that deadline instead of now.
            wait = Math.Min(wait, ownWait - (long)(ownWait * SheddingConstants.ClientDeadlinePaceSlip));
        }
        else if (priority == RequestPriority.Critical && queueWait == _criticalQueueTimeout)
        {
            // The critical wait is a few service times, so a few percent of slip in the pace is most of it: let in only
            // those the queue reaches within half of it (a storm refused 300 critical waiters at the end of 50 ms).
            wait -= (long)(wait * SheddingConstants.CriticalQueuePaceSlip);
        }
        else if (queueWait < _queueTimeout)
        {
            // The paced wait, with the same room for the queue's pace to slip: a client that waits out Retry-After
            // loses nothing by a refusal now, but one let in at the edge of the wait and refused at its end heard
            // half a second late.
            wait -= (long)(wait * SheddingConstants.PacedQueuePaceSlip);
        }

        wait = _patience.Wait(wait, LatencyTicks, now);
        if (priority != RequestPriority.Sheddable)
        {
            return !FitsByDeadline(priority, now, wait, deadline, findingCapacity);
        }

        var queuedOfItsOwn = _queuedByPriority[(int)priority];
        if (queuedOfItsOwn > 0 && TryMeasureDrain((int)priority, now, out var grants, out var over))
        {
            // Its own queue has been served long enough to say how fast: slots that went to higher priorities, the
            // gateway's own time per request and the backend's are all in that rate, which the estimate below leaves
            // out (under a storm on a loaded machine it promised 2 s waits that ended in queue_timeout).
            // queued >= grants / over x wait (exact while the limit holds, so a waiter exactly on time is kept).
            return (double)queuedOfItsOwn * over >= grants * wait;
        }

        var latency = Limit.LatencySeconds;
        if (!(latency > 0))
        {
            // Nothing measured yet: the queue's own bounds (QueueLimit, QueueTimeout) are all there is.
            return false;
        }

        var ahead = 0;
        for (var p = 0; p <= (int)priority; p++)
        {
            ahead += _queuedByPriority[p];
        }

        // Slots free at the limit over the latency, or as fast as they did over the last second if that was faster:
        // one window's mean, inflated by a moment's CPU starvation, must not refuse what the cluster is serving.
        var perSecond = Math.Max(Threshold(priority, Limit.Current) / latency, Pacer.CompletionsPerSecond);
        var drainedInWait = perSecond * wait / _time.TimestampFrequency;
        return ahead > 0 && ahead >= drainedInWait;
    }

    /// <summary>
    /// Whether a critical or default request let in now would be granted by its deadline, granted as
    /// <see cref="GrantWaiters"/> does (earliest deadline first) at the cluster's pace (<see cref="ClusterPace"/>):
    /// <list type="bullet">
    /// <item>a default one comes after every critical and default waiter, and after the critical calls that will arrive
    /// within its wait (their deadline is sooner), and within its share of the limit;</item>
    /// <item>a critical one comes after the critical waiters and the default ones due before it, and it puts back
    /// every later default waiter by one slot: while none has a slot to spare, it is let in only within the critical
    /// share.</item>
    /// </list>
    /// Refused on arrival otherwise, in microseconds, instead of after waiting: a refusal after waiting is what made the
    /// storm's refusals late. Under _queueLock.
    /// </summary>
    /// <param name="wait">How long it may wait, in ticks, less the room left for the pace to slip.</param>
    /// <param name="deadline">When its wait ends (timestamp), which places it among the waiters.</param>
    /// <param name="findingCapacity">The limit is still in slow start: no sweep has judged the default waiters' slack.</param>
    private bool FitsByDeadline(RequestPriority priority, long now, long wait, long deadline, bool findingCapacity)
    {
        var pace = ClusterPace(now);
        if (!(pace > 0))
        {
            // Nothing measured yet: the queue's own bounds (QueueLimit, QueueTimeout) are all there is.
            return true;
        }

        var slots = pace * wait / _time.TimestampFrequency;
        var criticalWaiting = _queuedByPriority[(int)RequestPriority.Critical];
        var defaultWaiting = _queuedByPriority[(int)RequestPriority.Default];
        if (priority == RequestPriority.Default)
        {
            var criticalComing = CriticalRate(now) * wait / _time.TimestampFrequency;
            return criticalWaiting + defaultWaiting + 1 + criticalComing <= slots
                && defaultWaiting + 1 <= slots * _defaultShare;
        }

        if (criticalWaiting + DefaultsDueBy(deadline) + 1 > slots)
        {
            return false;
        }

        // In slow start the sweep, which measures that slack, does not run, and each critical waiter let in since took
        // one off it: judged on that stale count, critical requests were held to a fifth of the slots.
        return findingCapacity || _defaultSlack >= 1 || criticalWaiting + 1 <= slots * (1 - _defaultShare);
    }

    /// <summary>The default waiters due before <paramref name="deadline"/> (ties go to critical); under _queueLock.</summary>
    private int DefaultsDueBy(long deadline)
    {
        var due = 0;
        foreach (var waiter in _queues[(int)RequestPriority.Default])
        {
            if (waiter.Deadline >= deadline)
            {
                // In arrival order, and a default request's wait is the same for all but a change of the clients' habit.
                break;
            }

            if (!waiter.Ended)
            {
                due++;
            }
        }

        return due;
    }

    /// <summary>
    /// How many requests the cluster serves per second now: the completions of the last second (a count begun within
    /// this one scaled to a second), scaled down by the limit now over the limit of about the last second when that fell,
    /// and at least the limit over the backend's latency (Little's law). Under _queueLock.
    /// </summary>
    /// <remarks>
    /// Completions are what the cluster did, with the gateway's own CPU and every priority in them, which a
    /// per-priority pace missed once critical calls took the slots; the floor keeps a moment without a core (a GC
    /// pause, the load generator) from refusing what the cluster serves.
    /// </remarks>
    private double ClusterPace(long now)
    {
        var limit = Limit.Current;
        var latency = Limit.LatencySeconds;
        var floor = latency > 0 ? limit / latency : 0;
        var completions = Pacer.CompletionRate(now);
        if (_meanLimit > limit)
        {
            completions *= limit / _meanLimit;
        }

        return Math.Max(completions, floor);
    }

    /// <summary>Follows the limit with a time constant of about a second, for <see cref="ClusterPace"/>; under _queueLock.</summary>
    private void FollowLimit(int limit, long now)
    {
        var weight = Math.Min(1, (now - _meanLimitAt) / (double)_time.TimestampFrequency);
        _meanLimit += (limit - _meanLimit) * weight;
        _meanLimitAt = now;
    }

    /// <summary>Critical requests admitted per second: the last whole second's, or the current one's so far if faster; under _queueLock.</summary>
    private double CriticalRate(long now)
    {
        var second = _time.TimestampFrequency;
        var elapsed = now - _criticalBucketStart;
        if (elapsed >= second)
        {
            var counted = Interlocked.Exchange(ref _criticalAdmitted, 0);
            var adjacent = elapsed < 2 * second;
            _criticalLast = adjacent ? counted : 0;
            _criticalBucketStart = adjacent ? _criticalBucketStart + second : now;
            elapsed = now - _criticalBucketStart;
        }

        // A count begun a moment ago is scaled to a second, but from no less than a quarter of one: ten calls in the
        // first millisecond are not ten thousand a second.
        var current = Volatile.Read(ref _criticalAdmitted) * (double)second / Math.Max(elapsed, second / 4);
        return Math.Max(_criticalLast, current);
    }

    /// <summary>
    /// How fast the queue of <paramref name="priority"/> is served: <paramref name="grants"/> over the last
    /// <paramref name="over"/> timestamp ticks (one to two DrainRateBucket, or since the queue filled if that pace was
    /// faster), scaled down by the limit now over the mean limit those grants were made under when that fell; false
    /// while it has not held waiters long enough to tell (a DrainRateBucket, and twice the backend's latency, since it
    /// last filled from empty). Under _queueLock.
    /// </summary>
    private bool TryMeasureDrain(int priority, long now, out double grants, out long over)
    {
        var measuring = now - _drainSince[priority];
        var latency = (long)(Limit.LatencySeconds * _time.TimestampFrequency);
        if (measuring < _drainBucket || measuring < 2 * latency)
        {
            grants = over = 0;
            return false;
        }

        RollDrainBucket(priority, now);
        var limit = Limit.Current;
        grants = AtLimit(_drainPrevious[priority] + _drainCurrent[priority], _drainLimitPrevious[priority] + _drainLimitCurrent[priority], limit);
        over = Math.Max(1, now - Math.Max(_drainSince[priority], _drainBucketStart[priority] - _drainBucket));

        // Or the pace since the queue filled, if faster: a GC pause or a moment without a core halves the last
        // buckets' grants, and refusing on that alone sent away waiters the queue then served (storm 223718: two
        // thirds of the default refusals came after 100 ms to 1 s in the queue, with 1.4 s of GC pauses). Scaled to
        // the limit now as well: a limit that fell since the queue filled would otherwise keep the older, faster pace.
        var total = AtLimit(_drainTotal[priority], _drainLimitTotal[priority], limit);
        if (total * over > grants * measuring)
        {
            grants = total;
            over = measuring;
        }

        return true;
    }

    /// <summary>
    /// <paramref name="grants"/> made under limits summing to <paramref name="limitSum"/>, as many as the queue would
    /// have been granted at <paramref name="limit"/>: fewer when the limit fell since, the same when it held or rose.
    /// </summary>
    /// <remarks>
    /// Slots free in proportion to the limit while the backend holds its latency, and a limit that falls (its backend
    /// slowed, or the gateway) stops granting until in-flight requests drop under it: a pace measured at the higher
    /// limit admitted waiters at the edge of the paced wait that the queue then reached only after it (storm 205521).
    /// A rise is not counted in advance: it may be a window's jitter, and a waiter let in on it would be refused late.
    /// </remarks>
    private static double AtLimit(long grants, long limitSum, int limit) =>
        grants == 0 || limitSum <= (long)limit * grants ? grants : (double)limit * grants * grants / limitSum;

    private void CountGrant(int priority, long now, int limit)
    {
        RollDrainBucket(priority, now);
        _drainCurrent[priority]++;
        _drainTotal[priority]++;
        _drainLimitCurrent[priority] += limit;
        _drainLimitTotal[priority] += limit;
    }

    private void RollDrainBucket(int priority, long now)
    {
        if (now - _drainBucketStart[priority] < _drainBucket)
        {
            return;
        }

        // One idle bucket or more: the older one held nothing worth keeping either.
        var adjacent = now - _drainBucketStart[priority] < 2 * _drainBucket;
        _drainPrevious[priority] = adjacent ? _drainCurrent[priority] : 0;
        _drainLimitPrevious[priority] = adjacent ? _drainLimitCurrent[priority] : 0;
        _drainBucketStart[priority] = adjacent ? _drainBucketStart[priority] + _drainBucket : now;
        _drainCurrent[priority] = 0;
        _drainLimitCurrent[priority] = 0;
    }

    /// <summary>
    /// Refuses now, as <c>backlog</c>, the waiters that the measured drain rate of their queue will not reach before
    /// the wait they were let in on ends (QueueTimeout or PacedQueueTimeout, as the clients' habit was then) even if it
    /// doubles: the n-th live waiter is expected n / rate from now. Without this a waiter let in on a
    /// rate that then fell waits the whole QueueTimeout to be refused (the storm proof's refusal p99 of 2.1 s); with
    /// it, its client hears as soon as the queue's pace says so. Under _queueLock.
    /// </summary>
    private void RefuseWhoWouldNotMakeIt(long now)
    {
        if (Limit.FindingCapacity)
        {
            // See BacklogOutlastsWait: a pace measured while the limit still doubles promises too little.
            return;
        }

        // Within the clients' patience when they were seen giving up sooner than QueueTimeout: a waiter granted after
        // it would be served to nobody. long.MaxValue while it is not known.
        var latency = LatencyTicks;
        var patience = _patience.Wait(long.MaxValue, latency, now);
        RefuseLateByDeadline(now, patience);
        for (var p = (int)RequestPriority.Sheddable; p < RequestPriorities.Count; p++)
        {
            if (_queuedByPriority[p] == 0)
            {
                continue;
            }

            if (HigherPriorityStands(p, now))
            {
                // As on arrival: they would only wait out their wait. Told now, not when their pace has been measured.
                RefuseAll(p, "a higher priority's queue stands");
                continue;
            }

            if (!TryMeasureDrain(p, now, out var grants, out var over))
            {
                continue;
            }

            var position = 0;
            var refused = 0;
            var oldest = 0L;
            foreach (var waiter in _queues[p])
            {
                if (waiter.Ended)
                {
                    continue;
                }

                // Not reached before its wait ends even at QueueSweepPaceMargin times the pace (at the limit now).
                position++;
                // Its wait is the one it was let in on, not the queue's wait now: the wait shortens when the clients
                // are seen waiting out Retry-After, and judged on the shorter one every waiter let in on the longer
                // that had already waited past it was refused at once, a batch of late refusals that the queue would
                // have served in time (storm 054143: 135 refused after 0.5 s, 1 s into the storm, when the warm-up's
                // clients, judged naive, gave way to the storm's). When the wait lengthens, a waiter's own timer still
                // ends it at the shorter one; judged on the longer, it was kept, to be refused there as queue_timeout.
                // Or by the deadline its client sent, less twice the latency, as on arrival.
                var deadline = waiter.EnqueuedAt + Math.Min(waiter.AdmittedWait, patience);
                var left = Math.Min(deadline, waiter.ClientDeadline - (2 * latency)) - now;
                if ((double)position * over > SheddingConstants.QueueSweepPaceMargin * grants * left && waiter.TryExpire())
                {
                    // Still in the queue object; Grant skips it as ended. It no longer counts as ahead of anyone.
                    CountOut(p);
                    position--;
                    refused++;
                    oldest = oldest == 0 ? waiter.EnqueuedAt : oldest;
                }
            }

            if (refused > 0 && _logger.IsEnabled(LogLevel.Debug))
            {
                var why = $"their queue's pace ({grants * _time.TimestampFrequency / over:F0}/s at the limit now) would not reach them in time";
                LogWaitersRefused(p, refused, now - oldest, why);
            }
        }
    }

    /// <summary>
    /// The sweep for critical and default waiters, in the order <see cref="GrantWaiters"/> grants them (earliest deadline
    /// first): refuses, as <c>backlog</c>, those that the cluster's pace (<see cref="ClusterPace"/>) will not reach by
    /// their deadline even at QueueSweepPaceMargin times that pace, and finds the default waiters' slack for critical
    /// admission (<see cref="FitsByDeadline"/>). Under _queueLock.
    /// </summary>
    /// <param name="patience">How long the clients were seen waiting before they gave up, in ticks; long.MaxValue while not known.</param>
    private void RefuseLateByDeadline(long now, long patience)
    {
        var slack = double.MaxValue;
        var pace = ClusterPace(now);
        var critical = (int)RequestPriority.Critical;
        var standard = (int)RequestPriority.Default;
        if (!(pace > 0) || _queuedByPriority[critical] + _queuedByPriority[standard] == 0)
        {
            _defaultSlack = slack;
            return;
        }

        var perTick = pace / _time.TimestampFrequency;
        var refusedCritical = 0;
        var refusedDefault = 0;
        var oldestCritical = 0L;
        var oldestDefault = 0L;
        var position = 0;
        // Struct enumerators, advanced by reference; disposing one does nothing.
        var criticals = _queues[critical].GetEnumerator();
        var defaults = _queues[standard].GetEnumerator();
        var c = NextLive(ref criticals);
        var d = NextLive(ref defaults);
        while (c is not null || d is not null)
        {
            var isDefault = d is not null && (c is null || d.Deadline < c.Deadline);
            var waiter = isDefault ? d! : c!;
            position++;
            // Refused only past its hold (the paced default wait's overrun), while its slack, which admits critical
            // calls ahead of it, is counted to the deadline it was promised.
            var held = waiter.EnqueuedAt + Math.Min(waiter.HoldUntil - waiter.EnqueuedAt, patience) - now;
            if (position > SheddingConstants.QueueSweepPaceMargin * perTick * held && waiter.TryExpire())
            {
                // Still in the queue object; Grant skips it as ended. It no longer counts as ahead of anyone.
                CountOut(isDefault ? standard : critical);
                position--;
                if (isDefault)
                {
                    refusedDefault++;
                    oldestDefault = oldestDefault == 0 ? waiter.EnqueuedAt : oldestDefault;
                }
                else
                {
                    refusedCritical++;
                    oldestCritical = oldestCritical == 0 ? waiter.EnqueuedAt : oldestCritical;
                }
            }
            else if (isDefault)
            {
                var left = Math.Min(waiter.Deadline, waiter.EnqueuedAt + Math.Min(waiter.AdmittedWait, patience)) - now;
                slack = Math.Min(slack, (perTick * left) - position);
            }

            if (isDefault)
            {
                d = NextLive(ref defaults);
            }
            else
            {
                c = NextLive(ref criticals);
            }
        }

        _defaultSlack = slack;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var why = $"the cluster's pace ({pace:F0}/s) would not reach them by their deadline";
            if (refusedCritical > 0)
            {
                LogWaitersRefused(critical, refusedCritical, now - oldestCritical, why);
            }

            if (refusedDefault > 0)
            {
                LogWaitersRefused(standard, refusedDefault, now - oldestDefault, why);
            }
        }
    }

    private static Waiter? NextLive(ref Queue<Waiter>.Enumerator waiters)
    {
        while (waiters.MoveNext())
        {
            if (!waiters.Current.Ended)
            {
                return waiters.Current;
            }
        }

        return null;
    }

    /// <summary>
    /// The longest a request may wait now, in ticks: QueueTimeout while the clients are seen retrying refusals at once,
    /// PacedQueueTimeout (no more than QueueTimeout) while they wait out Retry-After or before refusals said which.
    /// </summary>
    private long QueueWait(long now) => Habit.RetriesAtOnce(now) ? _queueTimeout : _pacedQueueTimeout;

    /// <summary>
    /// How long a waiter let in on <paramref name="queueWait"/> is held before the queue refuses it, in ticks: a default
    /// one on the paced wait, while the clients are seen waiting out Retry-After, that much and PacedQueueOverrun more
    /// (no more than QueueTimeout); any other its wait.
    /// </summary>
    /// <remarks>
    /// Admission promises the wait; the overrun absorbs what admission could not foresee (critical calls coming back in
    /// a batch when their Retry-After is up), so that such a waiter is served a little late instead of refused after
    /// half a second. Not before the clients' habit is known: with the overrun from the first refusal on, storms of
    /// naive clients (judged so a moment later) had 74-83% of their critical calls answered within 100 ms against
    /// 88-94% without it, in three alternated pairs; only from the judgement on, 92% and 84% against 93% and 79%.
    /// </remarks>
    private long HoldFor(RequestPriority priority, long queueWait, long now) =>
        priority == RequestPriority.Default && queueWait < _queueTimeout && Habit.WaitsOutRetryAfter(now)
            ? Math.Min(_queueTimeout, queueWait + (long)(queueWait * SheddingConstants.PacedQueueOverrun))
            : queueWait;

    /// <summary>The longest a request of <paramref name="priority"/> may wait now, in ticks: a critical one no more than CriticalQueueTimeout.</summary>
    private long QueueWait(RequestPriority priority, long now) =>
        priority == RequestPriority.Critical ? Math.Min(QueueWait(now), _criticalQueueTimeout) : QueueWait(now);

    /// <summary>
    /// Whether a priority above <paramref name="priority"/> has held waiters for StandingQueueInterval without emptying,
    /// or did within the last HigherQueueStandingCalm: its arrivals then outrun the slots that free, each of which goes
    /// to it first, so this priority's waiters would be served only once that ends. Under _queueLock.
    /// </summary>
    private bool HigherPriorityStands(int priority, long now)
    {
        for (var p = 0; p < priority; p++)
        {
            if (_queuedByPriority[p] > 0 && now - _nonEmptySince[p] >= _standingInterval)
            {
                _stoodAt[p] = now;
                return true;
            }

            if (now - _stoodAt[p] < _standingCalm)
            {
                // Its queue empties for moments between bursts and stands again StandingQueueInterval later: default
                // requests queued in those moments were refused then, after waiting (the storm's late refusals).
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The backend latency a request granted now should see, in ticks, for the patience deadline: the last window's
    /// mean, but no more than the latency the limit holds the backend to (<see cref="GradientLimit.TargetSeconds"/>); 0 until a window
    /// closed. One window inflated by a moment without a core (not the backend's doing) once cut the deadline of 1 s
    /// clients from 0.85 s to 0.48 s, and the sweep refused 400 waiters at once after 0.6 s in the queue; a backend
    /// that really slows down is brought back to that latency by the limit within a few windows.
    /// </summary>
    private long LatencyTicks
    {
        get
        {
            var latency = Limit.LatencySeconds;
            if (!(latency > 0))
            {
                return 0;
            }

            var target = Limit.TargetSeconds;
            return (long)(Math.Min(latency, target) * _time.TimestampFrequency);
        }
    }

    /// <summary>One waiter of <paramref name="priority"/> left the queue (granted, evicted, dropped or gone); under _queueLock.</summary>
    private void CountOut(int priority)
    {
        _queuedByPriority[priority]--;
        Volatile.Write(ref _queued, _queued - 1);
    }

    /// <summary>
    /// Whether the priority's queue has held waiters for StandingQueueInterval without emptying; under _queueLock.
    /// Per priority: default requests standing in line must not cost critical ones, served first, their wait.
    /// </summary>
    private bool IsStanding(int priority, long now) =>
        _dropsStanding && _queuedByPriority[priority] > 0 && now - _nonEmptySince[priority] >= _standingInterval;

    private bool HasWaitersAtOrAbove(RequestPriority priority)
    {
        for (var p = 0; p <= (int)priority; p++)
        {
            if (Volatile.Read(ref _queuedByPriority[p]) > 0)
            {
                return true;
            }
        }

        return false;
    }

    private bool TryIncrement(int threshold)
    {
        for (var current = Volatile.Read(ref _inFlight); current < threshold; current = Volatile.Read(ref _inFlight))
        {
            if (Interlocked.CompareExchange(ref _inFlight, current + 1, current) == current)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One queued request. Its wait ends by a grant, an eviction, its timer or its client leaving, whichever comes
    /// first (one compare-and-swap decides), and always by completing the task with the outcome: a queue that times
    /// out hundreds of waiters a second in a storm must not throw an exception for each.
    /// </summary>
    private sealed class Waiter
    {
        public const int Waiting = 0;
        public const int Granted = 1;
        public const int TimedOut = 2;
        public const int Cancelled = 3;
        public const int EvictedState = 4;
        public const int DroppedState = 5;
        public const int ExpiredState = 6;

        private readonly TaskCompletionSource<int> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        public Waiter(long enqueuedAt, long clientDeadline, long queueWait, long deadline, long holdUntil)
        {
            EnqueuedAt = enqueuedAt;
            ClientDeadline = clientDeadline;
            AdmittedWait = queueWait;
            Deadline = deadline;
            HoldUntil = holdUntil;
        }

        /// <summary>When its wait ends (<see cref="TimeProvider"/> timestamp): the queue's wait or its client's deadline, whichever is sooner.</summary>
        public long Deadline { get; }

        /// <summary>When the queue refuses it if not served (<see cref="TimeProvider"/> timestamp): <see cref="Deadline"/>, or for a paced default waiter, later by its overrun.</summary>
        public long HoldUntil { get; }

        /// <summary>When it joined the queue (<see cref="TimeProvider"/> timestamp).</summary>
        public long EnqueuedAt { get; }

        /// <summary>When its client said it gives up (<see cref="TimeProvider"/> timestamp); long.MaxValue if it did not say.</summary>
        public long ClientDeadline { get; }

        /// <summary>The queue's wait when it joined (QueueTimeout or PacedQueueTimeout, in ticks): how long it may wait.</summary>
        public long AdmittedWait { get; }

        /// <summary>Out of the queue but still in its <see cref="Queue{T}"/>: abandoned, or refused by the sweep.</summary>
        public bool Ended => Volatile.Read(ref _state) is TimedOut or Cancelled or ExpiredState;

        public async ValueTask<int> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            using var timer = time.CreateTimer(static w => ((Waiter)w!).TryEnd(TimedOut), this, timeout, Timeout.InfiniteTimeSpan);
            using var registration = cancellationToken.UnsafeRegister(static w => ((Waiter)w!).TryEnd(Cancelled), this);
            return await _outcome.Task.ConfigureAwait(false);
        }

        public bool TryGrant() => TryEnd(Granted);

        /// <summary>Refuses the waiter to make room for a higher priority; it wakes and reports queue_full.</summary>
        public bool TryEvict() => TryEnd(EvictedState);

        /// <summary>Refuses the waiter because it waited too long in a standing queue; it reports queue_standing.</summary>
        public bool TryDrop() => TryEnd(DroppedState);

        /// <summary>Refuses the waiter because its queue will not reach it within QueueTimeout; it reports backlog.</summary>
        public bool TryExpire() => TryEnd(ExpiredState);

        private bool TryEnd(int outcome)
        {
            if (Interlocked.CompareExchange(ref _state, outcome, Waiting) != Waiting)
            {
                return false;
            }

            _outcome.TrySetResult(outcome);
            return true;
        }
    }
}
