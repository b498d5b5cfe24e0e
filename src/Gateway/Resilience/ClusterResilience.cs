using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Gateway.Failover;
using Gateway.Utilities;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Resilience;

/// <summary>
/// One cluster's resilience policy, built once from its options and replaced whole (never mutated) when they change:
/// the retry pipeline and its budget, the bulkhead, and a circuit per destination (the total timeout is
/// <see cref="ResilienceMiddleware"/>'s own). The Polly pipelines are one policy cut where YARP's own steps sit between
/// them: the retry must run load balancing again for each attempt, and the breaker can only wrap a destination once
/// load balancing chose it.
/// </summary>
internal sealed class ClusterResilience
{
    private const int StatusBase = 500;

    private readonly TimeProvider _time;
    private readonly ResilienceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<DestinationState, DestinationCircuit> _circuits = new();
    private readonly ConditionalWeakTable<DestinationState, DestinationCircuit>.CreateValueCallback _createCircuit;
    private readonly bool[] _failureStatus = new bool[100];

    // Cached so that classifying an attempt allocates no delegate.
    private readonly Func<int, bool> _isFailureStatus;
    private readonly bool[] _retryStatus = new bool[100];
    private readonly int _bulkheadLimit;
    private readonly bool _bulkheadQueues;
    private int _inFlight;
    private int _notClosed;
    private long _version;
    private AvailableCache? _available;

    public ClusterResilience(string clusterId, string policyName, ResiliencePolicyOptions options, TimeProvider time, ResilienceMetrics metrics, ILogger logger)
    {
        _isFailureStatus = IsFailureStatus;
        ClusterId = clusterId;
        PolicyName = policyName;
        Options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _createCircuit = destination => new DestinationCircuit(this, destination, _time);
        Mark(_failureStatus, options.CircuitBreaker.EffectiveFailureStatusCodes);
        Mark(_retryStatus, options.Retry.EffectiveStatusCodes);

        _bulkheadLimit = options.Bulkhead.MaxConcurrentRequests;
        _bulkheadQueues = options.Bulkhead.QueueLimit > 0;
        Budget = new RetryBudget(options.Retry.BudgetPercent, options.Retry.MinRetriesPerSecond, time);
        Bulkhead = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Bulkhead.MaxConcurrentRequests,
            QueueLimit = options.Bulkhead.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });

        MaxRetries = options.Retry.MaxAttempts - 1;
        if (MaxRetries > 0)
        {
            RetryPipeline = new ResiliencePipelineBuilder<bool> { TimeProvider = time, Name = clusterId }
                .AddRetry(new RetryStrategyOptions<bool>
                {
                    MaxRetryAttempts = MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.Retry.BackoffBaseDelay,
                    MaxDelay = options.Retry.BackoffMaxDelay,
                    // Whether to retry was decided (budget included) where the failure was seen; see RetryMiddleware.
                    ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is null && args.Outcome.Result),
                    DelayGenerator = static args => new ValueTask<TimeSpan?>(
                        args.Context.Properties.TryGetValue(RetryAttempt.PropertyKey, out var attempt) ? attempt.RetryAfter : null),
                })
                .Build();
        }
    }

    public string ClusterId { get; }

    public string PolicyName { get; }

    public ResiliencePolicyOptions Options { get; }

    /// <summary>The budgeted retry, run by the failover retry middleware; null when retries are off.</summary>
    public ResiliencePipeline<bool>? RetryPipeline { get; }

    public int MaxRetries { get; }

    public RetryBudget Budget { get; }

    /// <summary>The bulkhead when requests may queue for a slot (<see cref="BulkheadOptions.QueueLimit"/> above 0).</summary>
    public ConcurrencyLimiter Bulkhead { get; }

    /// <summary>
    /// Takes a bulkhead slot if one is free now. Without a queue (the default) the bulkhead is an interlocked counter,
    /// with no lock and no lease per request; with one, the limiter keeps waiters in order and a free slot may not
    /// be taken past them.
    /// </summary>
    /// <param name="lease">The limiter's lease when the bulkhead queues; null otherwise. Give it to <see cref="ExitBulkhead"/>.</param>
    public bool TryEnterBulkhead(out RateLimitLease? lease)
    {
        lease = null;
        if (!_bulkheadQueues)
        {
            if (Interlocked.Increment(ref _inFlight) <= _bulkheadLimit)
            {
                return true;
            }

            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        var acquired = Bulkhead.AttemptAcquire();
        if (acquired.IsAcquired)
        {
            lease = acquired;
            return true;
        }

        acquired.Dispose();
        return false;
    }

    /// <summary>Gives back a slot taken with <see cref="TryEnterBulkhead"/> (its lease, or null for the counter).</summary>
    public void ExitBulkhead(RateLimitLease? lease)
    {
        if (lease is null)
        {
            Interlocked.Decrement(ref _inFlight);
        }
        else
        {
            lease.Dispose();
        }
    }

    /// <summary>Destinations whose circuit is not closed now.</summary>
    public int NotClosedCount => Volatile.Read(ref _notClosed);

    /// <summary>
    /// Raised with the cluster id when a circuit closes and none was closed before: load shedding starts the cluster's
    /// limit over so that the traffic waiting for it comes back at the rate it proves it can take.
    /// </summary>
    public event Action<string>? RecoveredFromOutage;

    public DestinationCircuit Circuit(DestinationState destination) => _circuits.GetValue(destination, _createCircuit);

    public DestinationCircuit? FindCircuit(DestinationState destination) =>
        _circuits.TryGetValue(destination, out var circuit) ? circuit : null;

    /// <summary>Every circuit made so far, for metrics.</summary>
    public IEnumerable<KeyValuePair<DestinationState, DestinationCircuit>> Circuits => _circuits;

    public bool IsFailureStatus(int status) => status is >= StatusBase and < StatusBase + 100 && _failureStatus[status - StatusBase];

    public bool IsRetryableStatus(int status) => status is >= StatusBase and < StatusBase + 100 && _retryStatus[status - StatusBase];

    /// <summary>
    /// What the attempt that just ended says about its destination. Failure: a failure status, a connect error or
    /// connect timeout, a reset, a broken response. A client's own fault (it sent a broken body) is no failure, and an
    /// attempt the client walked away from before the answer was through is no success either. Timeouts of the
    /// attempt or the total are judged by the attempt pipeline itself.
    /// </summary>
    public AttemptVerdict Judge(HttpContext context, bool clientAborted) => JudgeAttempt(context, _isFailureStatus, clientAborted);

    /// <inheritdoc cref="Judge(HttpContext, bool)"/>
    /// <param name="isFailureStatus">Which statuses of a completed response count (the breaker's own list).</param>
    internal static AttemptVerdict JudgeAttempt(HttpContext context, Func<int, bool> isFailureStatus, bool clientAborted)
    {
        if (FailureClassifier.IsDestinationFailure(context, isFailureStatus))
        {
            return AttemptVerdict.Failure;
        }

        // Forwarding broke off (YARP reports it cancelled, or the client's side failed) and the client is gone: had it
        // stayed, the destination might yet have failed. A response forwarded in full is judged by its status.
        return clientAborted && context.Feature<IForwarderErrorFeature>() is { Error: not ForwarderError.None }
            ? AttemptVerdict.ClientAborted
            : AttemptVerdict.Success;
    }

    /// <summary>
    /// Decides a retry for a failed attempt that reached nothing to the client: there must be a destination whose
    /// circuit lets it through, a backend's <c>Retry-After</c> must fit in the time left and be no longer than the
    /// policy's <see cref="RetryPolicyOptions.BackoffMaxDelay"/>, and the budget must allow it. A refusal for the
    /// budget is counted.
    /// </summary>
    /// <param name="delay">The backend's <c>Retry-After</c> to wait before retrying, when it sent one.</param>
    public bool TryAcquireRetry(HttpContext context, IReadOnlyList<DestinationState> candidates, TimeSpan? retryAfter, out TimeSpan? delay)
    {
        delay = null;
        var now = _time.GetTimestamp();
        // The total timeout already fired: Polly will not retry, so the budget must not pay for it.
        if (context.RequestAborted.IsCancellationRequested || !AnyPassable(candidates, now))
        {
            return false;
        }

        if (retryAfter is { } wait && wait > TimeSpan.Zero)
        {
            // The request holds its bulkhead and admission slots while it waits, so no longer than the policy would
            // back off by itself (Polly caps its own backoff at MaxDelay, not what the delay generator returns); a
            // longer wait is the client's to make, with the backend's answer.
            var feature = ProxyRequestState.Find(context)?.Resilience;
            if (wait > Options.Retry.BackoffMaxDelay || (feature is not null && wait >= feature.Remaining(now, _time)))
            {
                return false;
            }

            delay = wait;
        }

        if (!Budget.TryWithdraw())
        {
            _metrics.RetryBudgetExhausted(ClusterId);
            return false;
        }

        return true;
    }

    /// <summary>
    /// The destinations load balancing may pick: <paramref name="available"/> without those whose circuit is open
    /// (or half-open with its probe out). Returns the same list when nothing is skipped; a filtered list is cached
    /// until a circuit changes or a break ends, so a storm of requests does not rebuild it each time.
    /// </summary>
    /// <param name="retryAfterSeconds">When nothing is left: whole seconds until the first break ends (at least 1).</param>
    public IReadOnlyList<DestinationState> FilterAvailable(IReadOnlyList<DestinationState> available, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        var now = _time.GetTimestamp();
        var version = Volatile.Read(ref _version);
        var cache = Volatile.Read(ref _available);
        if (cache is not null && ReferenceEquals(cache.Source, available) && cache.Version == version && now < cache.ValidUntil)
        {
            retryAfterSeconds = cache.RetryAfterSeconds;
            return cache.Result;
        }

        List<DestinationState>? result = null;
        var firstEnd = long.MaxValue;
        for (var i = 0; i < available.Count; i++)
        {
            var destination = available[i];
            if (FindCircuit(destination) is { } circuit && circuit.IsSkipped(now, out var until))
            {
                if (result is null)
                {
                    result = new List<DestinationState>(available.Count);
                    for (var j = 0; j < i; j++)
                    {
                        result.Add(available[j]);
                    }
                }

                // A half-open circuit ends its probe any moment: it says "soon", not "never".
                firstEnd = Math.Min(firstEnd, circuit.State == CircuitState.Open ? until : now);
            }
            else
            {
                result?.Add(destination);
            }
        }

        if (result is null)
        {
            return available;
        }

        if (result.Count == 0)
        {
            var seconds = (firstEnd - now) / (double)_time.TimestampFrequency;
            retryAfterSeconds = Math.Max(1, (int)Math.Ceiling(Math.Min(seconds, int.MaxValue)));
        }

        var validUntil = firstEnd > now ? firstEnd : now;
        Volatile.Write(ref _available, new AvailableCache(available, version, validUntil, result, retryAfterSeconds));
        return result;
    }

    /// <summary>The half-open probe of <paramref name="circuit"/> ended without a verdict; the next request probes.</summary>
    internal void ProbeReleased(DestinationCircuit circuit)
    {
        Interlocked.Increment(ref _version);
        Log.CircuitProbeReleased(_logger, circuit.DestinationId, ClusterId);
    }

    internal void Transitioned(DestinationCircuit circuit, CircuitState before, CircuitState after, TimeSpan breakDuration)
    {
        if (before == after)
        {
            return;
        }

        var recovered = false;
        if (before == CircuitState.Closed)
        {
            Interlocked.Increment(ref _notClosed);
        }
        else if (after == CircuitState.Closed)
        {
            // Every circuit was out until this one closed: the cluster is back from an outage, not one destination
            // back among healthy ones. (Rare: counting the circuits here costs nothing on the request path.)
            recovered = Interlocked.Decrement(ref _notClosed) + 1 >= _circuits.Count();
        }

        Interlocked.Increment(ref _version);
        _metrics.CircuitTransitioned(ClusterId, circuit.DestinationId, after);
        switch (after)
        {
            case CircuitState.Open:
                Log.CircuitOpened(_logger, circuit.DestinationId, ClusterId, breakDuration);
                break;
            case CircuitState.HalfOpen:
                Log.CircuitHalfOpened(_logger, circuit.DestinationId, ClusterId);
                break;
            case CircuitState.Closed:
                Log.CircuitClosed(_logger, circuit.DestinationId, ClusterId);
                break;
        }

        if (recovered)
        {
            RecoveredFromOutage?.Invoke(ClusterId);
        }
    }

    private bool AnyPassable(IReadOnlyList<DestinationState> candidates, long now)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (FindCircuit(candidates[i]) is not { } circuit || !circuit.IsSkipped(now, out _))
            {
                return true;
            }
        }

        return false;
    }

    private static void Mark(bool[] table, IReadOnlyList<int> statuses)
    {
        foreach (var status in statuses)
        {
            if (status is >= StatusBase and < StatusBase + 100)
            {
                table[status - StatusBase] = true;
            }
        }
    }

    private sealed record AvailableCache(IReadOnlyList<DestinationState> Source, long Version, long ValidUntil, IReadOnlyList<DestinationState> Result, int RetryAfterSeconds);
}
