namespace Gateway.Shedding;

internal static class SheddingConstants
{
    public const string SectionPath = "Gateway:Shedding";

    public const string PriorityMetadataKey = "Priority";
    public const string Critical = "critical";
    public const string Default = "default";
    public const string Sheddable = "sheddable";

    public const int DefaultMinLimit = 4;
    public const int DefaultMaxLimit = 1000;
    public const int DefaultInitialLimit = 20;
    public const int LimitFloor = 1;
    public const int LimitCeiling = 100_000;
    // Every waiter holds a client connection, so the queue can never usefully be longer than the connections the
    // gateway accepts (Gateway:Limits:MaxConcurrentConnections, default 10000); what bounds it in practice is the
    // backlog rule, which refuses on arrival whoever could not be served within QueueTimeout.
    public const int DefaultQueueLimit = 10_000;
    public const int MinQueueLimit = 0;
    public const int MaxQueueLimit = 100_000;

    // The wait while refused clients are seen retrying at once (RetryHabit). Long enough to hold a storm's backlog
    // rather than refuse it: a naive client turns every refusal into another request at once, so a 50 ms queue
    // multiplied a 5,000-client storm into retries until 3,513 sessions gave up, while 2 s served every session of it
    // (docs/load-shedding.md, the storm proof). Clients with a shorter timeout are held under it once they are seen
    // giving up (ClientPatience); a waiter whose client leaves is dropped without backend work.
    public static readonly TimeSpan DefaultQueueTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MinQueueTimeout = TimeSpan.Zero;

    // The wait while the cluster's refused clients wait out Retry-After, or before it is known whether they do: a
    // prompt refusal costs such a client nothing (it comes back when told), a long wait risks its timeout. Half a
    // second sits under common client timeouts (1 s and up) with room for the backend's answer, and is several
    // service times of a typical API, so a burst is still absorbed rather than refused.
    public static readonly TimeSpan DefaultPacedQueueTimeout = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxQueueTimeout = TimeSpan.FromSeconds(10);

    // Critical routes are the ones whose latency matters (a login, a session's first call): 50 ms in the queue plus a
    // backend answering within 50 ms is an answer within 100 ms on the gateway's clock. Longer waits let a storm of
    // critical calls alone (5,000 sessions within 2 s against 2,500 calls/s) hold them 0.3-0.6 s at p50-p99, while a
    // refusal with a Retry-After sends them back when the backend has room.
    public static readonly TimeSpan DefaultCriticalQueueTimeout = TimeSpan.FromMilliseconds(50);

    // Off by default (equal to DefaultQueueTimeout): CoDel's 5 ms drop turns a storm of sessions into refusals that
    // naive clients retry at once (1,487 of 5,000 sessions bootstrapped) and Retry-After clients wait out while the
    // backend idles (62% of its best). Operators who want latency over throughput set it to CoDel's 5 ms.
    public static readonly TimeSpan DefaultStandingQueueWait = DefaultQueueTimeout;
    // CoDel's own interval (RFC 8289): a queue that has not emptied for 100 ms is standing, not absorbing a burst.
    public static readonly TimeSpan DefaultStandingQueueInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinStandingQueueInterval = TimeSpan.FromMilliseconds(1);

    public const double DefaultCriticalReservedFraction = 0.2;
    public const double MinCriticalReservedFraction = 0;
    public const double MaxCriticalReservedFraction = 0.9;
    // Work-conserving: sheddable requests may use what default ones may. They are shed first by being refused on
    // arrival whenever anyone else waits and by getting freed slots last; a fixed half share measured idle backend
    // capacity behind thousands of queued heartbeats once a storm's bootstraps were done.
    public const double DefaultSheddableFraction = 1.0;
    public const double MinSheddableFraction = 0;
    public const double MaxSheddableFraction = 1;

    // Latency may reach 1.3 times the baseline before the limit shrinks (Envoy's adaptive concurrency allows 1.25,
    // Netflix's Gradient2 1.5): in issue 15's storm a critical call that waited its 50 ms in the queue then met a
    // backend queue of up to half its 20 ms at 1.5 and missed 100 ms more often (2026-12-07, 11 runs against 15:
    // critical within 100 ms, median of runs, 98.32% against 96.86%; the backend's peak queue 42-70 but once, against
    // 56-110, for a capacity of 50).
    public const double DefaultTolerance = 1.3;
    public const double MinTolerance = 1;
    public const double MaxTolerance = 10.0;

    // The least rise over the baseline the limit lets pass, whatever the tolerance: for a backend that answers in a
    // millisecond, a CPU-bound gateway's own scheduling delays alone move the attempt's time by several (2.4-8.6 ms
    // measured against a 0.1 ms nginx at 256 connections), and a tolerance of 1.3 x 1 ms read them as the backend
    // queueing: the limit walked down and up to half the requests waited in admission's queue for nothing. At 20 ms
    // the tolerance (6 ms) decides.
    public static readonly TimeSpan DefaultToleranceFloor = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan MaxToleranceFloor = TimeSpan.FromSeconds(10);

    public const double DefaultSmoothing = 0.2;

    // A smoothing of 0 would never move the limit, so the range excludes it.
    public const double SmoothingAbove = 0;
    public const double MaxSmoothing = 1;

    public static readonly TimeSpan DefaultSampleWindow = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinSampleWindow = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxSampleWindow = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultBaselineWindow = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxBaselineWindow = TimeSpan.FromHours(1);

    // Shared pacing: counts go to Redis in batches this often (one round trip per cluster that refused or completed
    // anything), and the fleet's numbers are used for this long after Redis last answered, then local ones again.
    public static readonly TimeSpan FleetPacingFlush = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan FleetPacingFresh = TimeSpan.FromSeconds(1);

    // The pacer scales completions counted over less than a second (an instance just started, or after a quiet spell)
    // to a second, but not from less than this: a cold instance's first completions come in a burst of its limit after
    // one backend latency, and a few milliseconds of that would promise a pace it does not keep.
    public static readonly TimeSpan PacingMinCountingSpan = TimeSpan.FromMilliseconds(100);

    public const int DefaultRetryAfterMinSeconds = 1;
    public const int DefaultRetryAfterMaxSeconds = 30;
    public const int MinRetryAfterSeconds = 0;
    public const int MaxRetryAfterSeconds = 600;

    // Often enough to see a starved moment within a sample window (100 ms), rarely enough to cost nothing.
    public static readonly TimeSpan LagProbeInterval = TimeSpan.FromMilliseconds(10);

    // A queue's drain rate is its grants over the last one to two of these: long enough to hold a few hundred grants
    // in a storm, short enough to follow a limit that halves within a second.
    public static readonly TimeSpan DrainRateBucket = TimeSpan.FromMilliseconds(250);

    // How often the queue is checked for waiters its drain rate will not reach in time: a refusal's p99 is held to
    // about this much past the moment it became certain, for one pass over the waiters at most this often.
    public static readonly TimeSpan QueueSweepInterval = TimeSpan.FromMilliseconds(10);

    // A waiter already queued is refused only when its queue would have to serve this many times faster to reach it
    // in time: the pace of a lower priority doubles when a higher one's burst ends, and without the margin the sweep
    // refused 777 default waiters after 5 ms to 2.5 s that the queue would have served (storm 224539, Retry-After
    // clients; the run before the sweep refused none). Arrivals are judged at the pace as measured.
    public const long QueueSweepPaceMargin = 2;

    // A request that names its client's deadline is let into the queue only if the queue would reach it within this
    // much less of the time it has: a queue filled to the edge of 1 s clients' deadlines refused 111 of its 949
    // default refusals at the deadline itself (storm 112446) when its pace fell a few percent. Applied on arrival
    // only; the sweep keeps its own margin (QueueSweepPaceMargin) for those already waiting.
    public const double ClientDeadlinePaceSlip = 0.1;

    // The same on the paced wait (PacedQueueTimeout), for clients that wait out Retry-After: a refusal on arrival
    // costs them nothing, while each one let in at the edge and refused at the end of the wait heard it 0.5 s late
    // (423 of 12,862 refusals in storm 161217, without this and without refusing sheddable waiters early).
    public const double PacedQueuePaceSlip = 0.2;

    // A default waiter let in on the paced wait while the clients are seen waiting out Retry-After is refused only
    // this much later than that wait, when the queue still has not reached it: it was let in on a pace that critical
    // calls coming back in a batch (whole-second Retry-After) then took, with their sooner deadlines, so the order
    // that admitted it was upset by work nobody could foresee. In storm 000628, 300 default waiters let in at a pace
    // of 2,575/s were refused at 498-503 ms while that batch was served; a quarter second more is about 600 slots at
    // that pace, and still within a 1 s client's patience.
    public const double PacedQueueOverrun = 0.5;

    // The same on the critical wait (CriticalQueueTimeout), which is only a few service times long: with a fifth of it
    // kept, 300 of 2,657 critical refusals came at the end of the 50 ms wait in a storm of critical calls at the
    // backend's whole capacity (storm 083636).
    public const double CriticalQueuePaceSlip = 0.5;

    // How far above the baseline a slow-start window's latency must be before it is read as the backend queueing (and
    // growth is aimed at the tolerance rather than doubled): TCP's HyStart takes a round's delay rising by an eighth of
    // the minimum RTT as the sign that the path's queue is building. Below it the rise is the gateway's own jitter.
    public const double SlowStartLatencyRise = 0.125;

    // Samples fewer than this in a window say more about one request than about the cluster.
    public const int MinSamplesPerWindow = 3;

    /// <summary>Abandoned queue waits a second must see before they say how long the cluster's clients wait.</summary>
    public const int MinAbandonmentsPerSecond = 10;

    /// <summary>
    /// A refused route asked for again on the same connection within this is a retry that did not wait: a
    /// <c>Retry-After</c> is a whole number of seconds, at least 1 by default, counted from when the client read it, and
    /// a naive client retries within milliseconds (50 ms in the storm proof) of reading it, which on a saturated
    /// machine came 150-500 ms after the refusal (the demo's storm); 0.8 s keeps both apart.
    /// </summary>
    public static readonly TimeSpan EarlyRetryWindow = TimeSpan.FromMilliseconds(800);

    /// <summary>How often the clients' retry habit is judged from the refusals and early retries since the last time.</summary>
    public static readonly TimeSpan RetryHabitBucket = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A refused client that comes back within this many seconds past its <c>Retry-After</c> is known as a return
    /// (<see cref="RetryHabit.Arrived"/>): a client's own timers and its queue for a core make it a little late.
    /// </summary>
    public const int ReturnGraceSeconds = 1;

    /// <summary>
    /// A first attempt that joined the queue no longer ago than this may be refused to make way for a returning client
    /// (<see cref="ClusterShedder.EnterAsync(RequestPriority, TimeSpan, int, CancellationToken)"/>): its refusal then
    /// is still well within the 5 ms that a refusal on arrival takes on a loaded machine.
    /// </summary>
    public static readonly TimeSpan FreshWaiterAge = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// A critical or default client back after this many refusals in a row is let into the queue whatever its backlog
    /// (<see cref="ClusterShedder.EnterAsync(RequestPriority, TimeSpan, int, CancellationToken)"/>): no session is refused
    /// until it runs out of retries. Letting every returning client past the default waiters' slack instead put a
    /// storm's backend queue at twice its capacity and more critical calls over 100 ms; after two refusals, so many
    /// critical clients were let in that up to 349 a storm timed out in the queue (late refusals), after three 31-105.
    /// </summary>
    public const int RefusalsBeforeAging = 3;

    /// <summary>
    /// A sheddable request queues only when nobody above it has had to queue for this long: in a storm the default
    /// queue empties for moments between bursts, and sheddable requests queued in those moments were refused when the
    /// next default waiter came, after tens to hundreds of milliseconds (624 of 10,049 heartbeat refusals late in
    /// storm 162423) instead of on arrival.
    /// </summary>
    public static readonly TimeSpan SheddableQueueCalm = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A lower priority is refused on arrival while a higher one's queue stands and for this long after it was last
    /// seen standing: a storm's critical queue empties for moments and stands again 100 ms later, and default requests
    /// queued in between were refused then, after waiting. The time over which a queue's pace is measured
    /// (<see cref="DrainRateBucket"/>), short enough that slots that free once the higher priority's burst ends are not
    /// left idle for long.
    /// </summary>
    public static readonly TimeSpan HigherQueueStandingCalm = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Refusals a bucket must hold before its early retries say how the clients retry: a storm's worth (200 a second),
    /// not the few dozen a cold gateway refuses while it measures its backend's baseline, whose retries on pooled
    /// connections judged the clients naive for the storm that came next.
    /// </summary>
    public const int MinRefusalsToJudgeHabit = 50;

    /// <summary>
    /// The most the abandoned waits of a second may spread (standard deviation over mean) and still say how long clients
    /// wait: waits spread evenly from nothing, a crowd leaving at one instant, have 0.58; clients leaving at their
    /// timeout, a few percent.
    /// </summary>
    public const double MaxPatienceSpread = 0.3;

    /// <summary>
    /// The shortest patience abandoned waits can teach: a client whose timeout is shorter sends it as its deadline
    /// (<c>X-Request-Deadline</c>, <c>grpc-timeout</c>), which admission honours per request, so waits this alike and
    /// this short are connections closing together (a load generator stopping), not clients timing out.
    /// </summary>
    public static readonly TimeSpan MinClientPatience = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a learned client patience (and retry habit) holds after the last second that showed it.</summary>
    public static readonly TimeSpan ClientPatienceMemory = TimeSpan.FromSeconds(30);
}
