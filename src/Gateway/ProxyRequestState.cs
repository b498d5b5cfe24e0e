using Gateway.ClientIdentity;
using Gateway.Failover;
using Gateway.AccessLog;
using Gateway.Identity;
using Gateway.Resilience;
using Gateway.Shedding;
using Gateway.Utilities;

namespace Gateway;

/// <summary>
/// What the proxy pipeline's steps (<see cref="GatewayPipeline"/>) hand each other for one request, in one object set
/// once as a request feature by the first step that has something to hand on. Each member says which step writes it
/// and which read it; a step that writes nothing costs the request nothing.
/// </summary>
internal sealed class ProxyRequestState
{
    /// <summary>The request's state, or null when no step has set any.</summary>
    public static ProxyRequestState? Find(HttpContext context) => context.Feature<ProxyRequestState>();

    /// <summary>The request's state, created and set on first use.</summary>
    public static ProxyRequestState Of(HttpContext context)
    {
        var state = context.Feature<ProxyRequestState>();
        if (state is null)
        {
            state = new ProxyRequestState();
            context.SetFeature(state);
        }

        return state;
    }

    /// <summary>
    /// Written by the admission step when the request holds a slot under its cluster's adaptive limit. Read by the
    /// shedding transforms, which time each attempt for that limit.
    /// </summary>
    public ClusterShedder? Shedder { get; set; }

    /// <summary>
    /// Written by the admission step for a request it admitted: it awaits the rest of the pipeline anyway, and gives the
    /// forwarder-error answer (502/504) after that await. Read by the forwarder-error step, which then passes the request
    /// straight on instead of awaiting it a second time.
    /// </summary>
    public bool ForwarderErrorsAnswered { get; set; }

    /// <summary>
    /// Written by a step that awaits the rest of the pipeline anyway and calls
    /// <see cref="RetryMiddleware.AfterFirstAttemptAsync"/> right after that await: the admission step for a request it
    /// admitted, and inside it the total timeout (which must cover the retries). Read by the retry step, which then
    /// passes the first attempt straight on instead of awaiting it a second time.
    /// </summary>
    public bool RetryHost { get; set; }

    /// <summary>
    /// Written by the retry step when it takes the request on: it awaits every attempt anyway (itself, in its retry loop,
    /// or through the step that hosts the first attempt, <see cref="RetryHost"/>) and calls
    /// <see cref="Health.AttemptHealthMiddleware.AfterAttempt"/> right after each such await. Read by the attempt-health
    /// step, which then passes the attempt straight on instead of awaiting it a second time.
    /// </summary>
    public bool AttemptHealthHosted { get; set; }

    /// <summary>
    /// Written by the attempt-health step for an attempt whose judgement rides on the retry step's await
    /// (<see cref="AttemptHealthHosted"/>); read and cleared when the retry step hands it the finished attempt, or
    /// cleared unread when no step may act on the request's attempts any more.
    /// </summary>
    public Health.AttemptHealthMiddleware? AttemptHealthPending { get; set; }

    /// <summary>
    /// Written by the shedding request transform as an admitted attempt is sent (a timestamp); read and cleared by the
    /// shedding response transform when its response headers are in.
    /// </summary>
    public long AttemptStart { get; set; }

    /// <summary>
    /// Written by the bulkhead-and-timeout step for a cluster with a resilience policy: the policy, the time budget and
    /// the client's own abort token. Read by retries, the circuit steps and the deadline header.
    /// </summary>
    public ResilienceScope? Resilience { get; set; }

    /// <summary>Written by the retry step; read by the response transform that holds back a retryable 502/503.</summary>
    public RetryAttempt? Retry { get; set; }

    /// <summary>
    /// Written by the circuit-breaker step when the gateway's own attempt or total timeout ended an attempt before the
    /// response started; cleared by the retry step before the next attempt. Read as a failure of the destination by
    /// passive health, as a reason to retry, and answered 504 <c>upstream-timeout</c> when nothing else answers.
    /// </summary>
    public Exception? AttemptTimeout { get; set; }

    /// <summary>
    /// Written by the access log's middleware for a sampled request; filled in per attempt by its transforms (attempts,
    /// trace id, time to the backend's headers) and queued by the middleware when the request ends.
    /// </summary>
    public AccessLogRecord? AccessLog { get; set; }

    /// <summary>
    /// Written by admission when the cluster's limit is full and another region has room; read by region choice,
    /// which sends this request there instead of queueing it.
    /// </summary>
    public RegionSpill? Spill { get; set; }

    /// <summary>
    /// Written by the edge guard from its one pass over the header names: which of the gateway's internal headers the
    /// client sent, and whether a trusted proxy sent <c>X-Real-IP</c> or <c>X-Forwarded-*</c>. Read by the header
    /// transforms.
    /// </summary>
    public InternalHeaderScan? Headers { get; set; }

    /// <summary>
    /// Written by the identity step when the route's <c>AuthorizationPolicy</c> accepted the request's credential. Read
    /// by rate limiting (<c>PartitionBy: Consumer</c> or <c>Claim:&lt;name&gt;</c>) and the consumer-header transform.
    /// </summary>
    public GatewayIdentity? Identity { get; set; }
}
