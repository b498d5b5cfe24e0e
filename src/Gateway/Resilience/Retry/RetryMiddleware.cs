using Gateway.Failover;
using Gateway.Health;
using Gateway.Resilience;
using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;
using Polly.Retry;
using Polly;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Resilience;

/// <summary>
/// Retries a failed idempotent request once on another destination when nothing has reached the client yet:
/// connection refused, not accepted within the connect timeout, or reset before headers, or a 502/503 the response
/// transform held back. Any other request only when its connect failed, which sent nothing. Sits before load
/// balancing, so the retry goes through load balancing and passive health again. Polly runs the retry loop: for a
/// cluster with a resilience policy its budgeted pipeline (MaxAttempts, backoff, Retry-After, retry budget, the
/// policy's retryable statuses and attempt timeouts), otherwise one immediate retry. Polly is entered only after the
/// first attempt asked for a retry.
/// </summary>
internal sealed class RetryMiddleware(RequestDelegate next, FailoverRouter router, IConfigSource config, FailoverMetrics metrics)
{
    private static readonly ResiliencePipeline<bool> s_retryOnce = new ResiliencePipelineBuilder<bool>()
        .AddRetry(new RetryStrategyOptions<bool>
        {
            MaxRetryAttempts = 1,
            Delay = TimeSpan.Zero,
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result),
        })
        .Build();

    // The retry options of the snapshot they were read from: one reference compare per request instead of a section
    // lookup; replaced (never mutated) when a reload applies a new snapshot.
    private RetryOptionsOf? _options;

    public Task InvokeAsync(HttpContext context)
    {
        var options = CurrentOptions();
        var found = ProxyRequestState.Find(context);
        var policy = found?.Resilience?.Cluster;
        if (!options.Enabled || policy is { RetryPipeline: null })
        {
            return next(context);
        }

        if (!RetryEligibility.IsRetryable(context.Request, options.MaxBufferedBodySize, out var mustBuffer))
        {
            // Not to be sent twice, but a connect that failed sent nothing: that much is retried, without buffering.
            return InvokeRetryableAsync(context, found, policy, connectFailuresOnly: true);
        }

        if (mustBuffer)
        {
            context.Request.EnableBuffering((int)Math.Min(options.MaxBufferedBodySize, int.MaxValue));
        }

        return InvokeRetryableAsync(context, found, policy, connectFailuresOnly: false);
    }

    /// <param name="found">The request's state when a step before set one (looked up once, by the caller).</param>
    private Task InvokeRetryableAsync(HttpContext context, ProxyRequestState? found, ClusterResilience? policy, bool connectFailuresOnly)
    {
        // A pipeline run would have thrown at once (Polly checks the token before the first attempt).
        context.RequestAborted.ThrowIfCancellationRequested();
        var attempt = new RetryAttempt { Resilience = policy, RetriesLeft = policy?.MaxRetries ?? 1, ConnectFailuresOnly = connectFailuresOnly };
        var state = found ?? ProxyRequestState.Of(context);
        state.Retry = attempt;
        // Every attempt from here on is awaited by this step or its host, which then judge its health too.
        state.AttemptHealthHosted = true;
        if (state.RetryHost)
        {
            // The step around this one awaits the first attempt anyway and calls AfterFirstAttemptAsync after it: a
            // second await here would cost an async state machine per request.
            attempt.Owner = this;
            return next(context);
        }

        return InvokeAndRetryAsync(context, state, attempt);
    }

    private async Task InvokeAndRetryAsync(HttpContext context, ProxyRequestState state, RetryAttempt attempt)
    {
        await next(context);
        AttemptHealthMiddleware.AfterAttempt(context, state);
        await RetryIfWantedAsync(context, attempt);
    }

    /// <summary>
    /// For the step that hosts the retry (<see cref="ProxyRequestState.RetryHost"/>), right after its await of the first
    /// attempt: tries again when the attempt asked for it, and otherwise completes at once. Only the first call acts,
    /// so when two steps host (admission, and inside it the total timeout) the inner one runs the retries.
    /// </summary>
    public static Task AfterFirstAttemptAsync(HttpContext context, ProxyRequestState state)
    {
        if (state.Retry is not { Owner: { } owner } attempt)
        {
            return Task.CompletedTask;
        }

        attempt.Owner = null;
        // Health first, as when it awaited the attempt itself: the retry's choice of destination reads it.
        AttemptHealthMiddleware.AfterAttempt(context, state);
        return owner.RetryIfWantedAsync(context, attempt);
    }

    /// <summary>
    /// Leaves the request's retries to no step: the hosting step's time for them has ended. An attempt that ended that
    /// way (the total timeout's cancellation thrown through it) is not judged, as it was not when the health step
    /// awaited it itself.
    /// </summary>
    public static void Disown(ProxyRequestState state)
    {
        if (state.Retry is { } attempt)
        {
            attempt.Owner = null;
        }

        state.AttemptHealthPending = null;
    }

    private Task RetryIfWantedAsync(HttpContext context, RetryAttempt attempt) =>
        !WantsRetry(context, attempt, context.ProxyFeature()) || context.RequestAborted.IsCancellationRequested
            ? Task.CompletedTask
            : RetryAsync(context, attempt);

    private async Task RetryAsync(HttpContext context, RetryAttempt attempt)
    {
        // The first attempt ran outside Polly: nearly every request succeeds at once, and a pipeline run costs a pooled
        // context and two async state machines per request (measured with load-tests/bench.sh). Polly takes over only
        // when a retry is wanted, and is handed the first attempt's outcome as its own first attempt, so the backoff
        // (by attempt number), a backend's Retry-After and the attempt count are what they were with Polly throughout.
        // Polly would not retry once the token is cancelled either.
        attempt.FirstOutcomePending = true;
        var resilience = ResilienceContextPool.Shared.Get(context.RequestAborted);
        resilience.Properties.Set(RetryAttempt.PropertyKey, attempt);
        try
        {
            await (attempt.Resilience?.RetryPipeline ?? s_retryOnce).ExecuteAsync(
                static (_, state) => state.Attempt.TakeFirstOutcome()
                    ? new ValueTask<bool>(true)
                    : state.Self.AttemptAsync(state.Context, state.Attempt),
                resilience,
                (Self: this, Context: context, Attempt: attempt));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilience);
        }
    }

    private RetryOptions CurrentOptions()
    {
        var current = config.Current;
        var cached = Volatile.Read(ref _options);
        if (cached is null || !ReferenceEquals(cached.Config, current))
        {
            cached = new RetryOptionsOf(current, current.Section<ResilienceOptions>().Retry);
            Volatile.Write(ref _options, cached);
        }

        return cached.Options;
    }

    private sealed record RetryOptionsOf(IAppliedConfig Config, RetryOptions Options);

    /// <returns>Whether to try again.</returns>
    private async ValueTask<bool> AttemptAsync(HttpContext context, RetryAttempt attempt)
    {
        var proxy = context.ProxyFeature();
        if (attempt.Candidates is { } candidates)
        {
            PrepareRetry(context, proxy, candidates);
            metrics.Retried(proxy.Cluster.Config.ClusterId, attempt.Reason);
            attempt.RetriesLeft--;
            attempt.Candidates = null;
            attempt.RetryWanted = false;
        }

        await next(context);
        AttemptHealthMiddleware.AfterAttempt(context, ProxyRequestState.Of(context));
        return WantsRetry(context, attempt, proxy);
    }

    /// <summary>Whether the attempt that just ended is to be tried again (and where: <see cref="RetryAttempt.Candidates"/>).</summary>
    private bool WantsRetry(HttpContext context, RetryAttempt attempt, Yarp.ReverseProxy.Model.IReverseProxyFeature proxy)
    {
        if (attempt.RetriesLeft <= 0 || context.Response.HasStarted || proxy.Route.Cluster is not { } cluster)
        {
            return false;
        }

        if (attempt.RetryWanted)
        {
            return true;
        }

        if (attempt.ConnectFailuresOnly && !(FailureClassifier.NothingSent(context) && BodyUnread(context)))
        {
            return false;
        }

        var connectFailure = FailureClassifier.IsConnectionFailure(context);
        var timedOut = !connectFailure && attempt.Resilience is not null &&
                       (FailureClassifier.TimedOutByGateway(context) || context.Feature<IForwarderErrorFeature>()?.Error == ForwarderError.RequestTimedOut);
        if (connectFailure || timedOut)
        {
            var next = router.RetryCandidates(cluster, proxy.ProxiedDestination, connectionFailure: true);
            if (next.Count > 0 && (attempt.Resilience is null || attempt.Resilience.TryAcquireRetry(context, next, null, out _)))
            {
                attempt.Candidates = next;
                attempt.Reason = connectFailure ? "connect" : "timeout";
                attempt.RetryAfter = null;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether nothing has read the request body yet, so the next attempt can stream it as if first: Kestrel makes the
    /// body size limit read-only once reading starts. Without the feature (not Kestrel), only a request without a
    /// body counts as unread.
    /// </summary>
    private static bool BodyUnread(HttpContext context) =>
        context.Feature<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false } ||
        context.Feature<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false };

    private static void PrepareRetry(HttpContext context, Yarp.ReverseProxy.Model.IReverseProxyFeature proxy, IReadOnlyList<Yarp.ReverseProxy.Model.DestinationState> candidates)
    {
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
        ProxyRequestState.Of(context).AttemptTimeout = null;
        proxy.ProxiedDestination = null;
        proxy.AvailableDestinations = candidates;
        if (context.Request.Body.CanSeek)
        {
            context.Request.Body.Position = 0;
        }
    }
}
