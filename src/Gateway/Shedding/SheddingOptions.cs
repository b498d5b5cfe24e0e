namespace Gateway.Shedding;

/// <summary>
/// Load shedding: <c>Gateway:Shedding</c>. Each cluster gets an adaptive concurrency limit found from the latency of
/// its proxied requests (a gradient algorithm: the limit grows while latency stays near the no-load baseline and
/// shrinks when it climbs). Requests over the limit wait briefly in a queue, then get 503 <c>overloaded</c>. Route
/// <c>Metadata.Priority</c> decides who is refused first.
/// </summary>
public sealed record SheddingOptions
{
    /// <summary>
    /// Whether clusters get an adaptive concurrency limit. Default true: a gateway in front of services must not pass a
    /// storm on to them by default; false turns shedding off.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The lowest the limit goes, per cluster and gateway instance. Default 4, range 1 to 100000.</summary>
    public int MinLimit { get; init; } = SheddingConstants.DefaultMinLimit;

    /// <summary>The highest the limit goes. Default 1000, range <see cref="MinLimit"/> to 100000.</summary>
    public int MaxLimit { get; init; } = SheddingConstants.DefaultMaxLimit;

    /// <summary>The limit a cluster starts with. Default 20, range <see cref="MinLimit"/> to <see cref="MaxLimit"/>.</summary>
    public int InitialLimit { get; init; } = SheddingConstants.DefaultInitialLimit;

    /// <summary>Requests that may wait for a slot per cluster, first come first served within a priority. Default 10000 (the default connection cap: each waiter holds a connection), range 0 to 100000.</summary>
    public int QueueLimit { get; init; } = SheddingConstants.DefaultQueueLimit;

    /// <summary>
    /// The longest a request waits in the queue before it is refused while the cluster's refused clients are seen
    /// retrying at once. Default 2 s (a naive client turns a refusal into another request at once, so holding a
    /// storm's backlog serves it better than refusing it), range 0 to 10 s.
    /// </summary>
    public TimeSpan QueueTimeout { get; init; } = SheddingConstants.DefaultQueueTimeout;

    /// <summary>
    /// The longest a request waits in the queue while the cluster's refused clients are seen waiting out their
    /// <c>Retry-After</c>, or before refusals have said which (never more than <see cref="QueueTimeout"/>). Default
    /// 500 ms (a prompt refusal costs such a client nothing, a long wait risks its timeout), range 0 to 10 s. When that
    /// judgement changes, requests already waiting keep the wait they were let in on.
    /// </summary>
    public TimeSpan PacedQueueTimeout { get; init; } = SheddingConstants.DefaultPacedQueueTimeout;

    /// <summary>
    /// The longest a <c>critical</c> request waits in the queue, whichever of the two waits above is in force: critical
    /// routes are the ones whose latency matters, and one that would wait longer is refused with a <c>Retry-After</c>
    /// instead (on arrival when its queue's pace says so). Default 50 ms (with a backend answering within 50 ms, an
    /// answer within 100 ms), range 0 to 10 s; 0 refuses a critical request that finds no slot, and the queue's wait or
    /// more gives critical requests the same wait as others.
    /// </summary>
    public TimeSpan CriticalQueueTimeout { get; init; } = SheddingConstants.DefaultCriticalQueueTimeout;

    /// <summary>
    /// CoDel's drop for a queue that stands: once the queue has not emptied for <see cref="StandingQueueInterval"/>, a
    /// waiter that has waited longer than this is refused (reason <c>queue_standing</c>) instead of served, and a
    /// newcomer is refused on arrival when the backlog ahead would outlast this rather than <see cref="QueueTimeout"/>.
    /// A queue that absorbs a burst keeps QueueTimeout; one that holds a backlog adds at most this much latency.
    /// Default 2 s, the default QueueTimeout, so off; range 0 to 10 s; QueueTimeout or more turns it off, CoDel's 5 ms
    /// turns it on.
    /// </summary>
    public TimeSpan StandingQueueWait { get; init; } = SheddingConstants.DefaultStandingQueueWait;

    /// <summary>How long the queue must stay non-empty to count as standing. Default 100 ms, range 1 ms to 10 s.</summary>
    public TimeSpan StandingQueueInterval { get; init; } = SheddingConstants.DefaultStandingQueueInterval;

    /// <summary>
    /// The share of the limit only <c>critical</c> routes may use: other requests are admitted only while in-flight
    /// requests are below limit × (1 − this). Default 0.2, range 0 to 0.9.
    /// </summary>
    public double CriticalReservedFraction { get; init; } = SheddingConstants.DefaultCriticalReservedFraction;

    /// <summary>
    /// <c>sheddable</c> routes are admitted only while in-flight requests are below limit × this (and never into the
    /// critical reserve). Default 1: as far as <c>default</c> routes; below that keeps room free for them. Range 0 to 1.
    /// </summary>
    public double SheddableFraction { get; init; } = SheddingConstants.DefaultSheddableFraction;

    /// <summary>
    /// How far above the no-load baseline latency may go before the limit shrinks, as a ratio. Default 1.3, range 1 to 10.
    /// </summary>
    public double Tolerance { get; init; } = SheddingConstants.DefaultTolerance;

    /// <summary>
    /// The least latency may rise above the no-load baseline before the limit shrinks, whatever <see cref="Tolerance"/>
    /// says: the limit holds latency to the larger of baseline × Tolerance and baseline + this. Default 5 ms, range 0 to
    /// 10 s. It decides only for fast backends (below about 17 ms at the default tolerance), where a busy gateway's own
    /// scheduling delays are a larger share of an attempt than the backend's queue.
    /// </summary>
    public TimeSpan ToleranceFloor { get; init; } = SheddingConstants.DefaultToleranceFloor;

    /// <summary>How much of each new limit estimate is taken at once (exponential smoothing). Default 0.2, range above 0 to 1.</summary>
    public double Smoothing { get; init; } = SheddingConstants.DefaultSmoothing;

    /// <summary>How often the limit is recomputed from the latency measured since. Default 100 ms, range 10 ms to 10 s.</summary>
    public TimeSpan SampleWindow { get; init; } = SheddingConstants.DefaultSampleWindow;

    /// <summary>
    /// The no-load baseline is the lowest window latency seen over one to two of these, so that it is re-measured when
    /// the backend changes. Default 30 s, range <see cref="SampleWindow"/> to 1 h.
    /// </summary>
    public TimeSpan BaselineWindow { get; init; } = SheddingConstants.DefaultBaselineWindow;

    /// <summary>The shortest <c>Retry-After</c> on a refusal, in seconds. Default 1, range 0 to 600.</summary>
    public int RetryAfterMinSeconds { get; init; } = SheddingConstants.DefaultRetryAfterMinSeconds;

    /// <summary>
    /// The longest <c>Retry-After</c>, in seconds: refusals are spread over a window sized to the backlog (the n-th
    /// client refused in the last one to two seconds gets about n / completions per second, ±1 s), capped here. Default 30, range <see cref="RetryAfterMinSeconds"/> to 600.
    /// </summary>
    public int RetryAfterMaxSeconds { get; init; } = SheddingConstants.DefaultRetryAfterMaxSeconds;

    /// <summary>
    /// With <c>Gateway:Redis</c> configured, size the <c>Retry-After</c> window to the whole fleet's refusals and
    /// completions (shared through Redis every 250 ms) instead of this instance's; local again a second after Redis
    /// last answered. Default true.
    /// </summary>
    public bool SharedPacing { get; init; } = true;
}
