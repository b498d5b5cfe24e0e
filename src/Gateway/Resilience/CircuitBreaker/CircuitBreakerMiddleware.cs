using System.Runtime.ExceptionServices;
using Gateway.Answers;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Gateway.Resilience;

/// <summary>
/// Right before the forwarder, on every attempt: runs the attempt through the chosen destination's circuit breaker
/// under the attempt timeout, which (like the total timeout) runs until the backend's response headers arrive: a
/// stream or a slow download is not cut by it once started. The timeout is a pooled token source of the gateway's
/// own rather than Polly's timeout strategy, whose timer cannot be stopped from outside while its callback runs.
/// A timed-out attempt is reported to the rest of the pipeline in
/// <see cref="ProxyRequestState.AttemptTimeout"/>, so passive health counts it, the retry may send the request
/// elsewhere, and otherwise the client gets 504 <c>upstream-timeout</c>.
/// </summary>
internal sealed class CircuitBreakerMiddleware(RequestDelegate next, GatewayResponseWriter writer, ResilienceMetrics metrics, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (ProxyRequestState.Find(context)?.Resilience is not { } feature)
        {
            return next(context);
        }

        // After load balancing exactly one destination is left; with none, YARP answers 503 itself.
        var available = context.GetReverseProxyFeature().AvailableDestinations;
        if (available.Count != 1)
        {
            return next(context);
        }

        var circuit = feature.Cluster.Circuit(available[0]);
        // Only an upgraded request runs unbounded (ResilienceMiddleware decided so).
        return feature.Unbounded ? InvokeUpgradeAsync(context, feature, circuit) : InvokeAsync(context, feature, circuit);
    }

    private async Task InvokeAsync(HttpContext context, ResilienceScope feature, DestinationCircuit circuit)
    {
        // The total timeout's token (or the client's): the attempt's own is linked to it.
        var outer = context.RequestAborted;
        CancellationTokenSource? attemptTimer = null;
        CancellationTokenRegistration link = default;
        if (feature.Cluster.Options.AttemptTimeout is { } attemptTimeout)
        {
            feature.AttemptDeadline = time.GetTimestamp() + (long)(attemptTimeout.TotalSeconds * time.TimestampFrequency);
            (attemptTimer, link) = TotalTimeout.Rent(attemptTimeout, time, outer);
            feature.AttemptTimer = attemptTimer;
        }
        else
        {
            feature.AttemptDeadline = long.MaxValue;
        }

        var polly = ResilienceContextPool.Shared.Get(attemptTimer?.Token ?? outer);
        polly.Properties.Set(ResilienceScope.PropertyKey, feature);
        Outcome<AttemptVerdict> outcome;
        try
        {
            outcome = await circuit.Pipeline.ExecuteOutcomeAsync(
                static (polly, state) => state.Self.AttemptAsync(polly, state.Context, state.Feature, state.Outer),
                polly,
                (Self: this, Context: context, Feature: feature, Outer: outer));
        }
        catch (OperationCanceledException) when (feature.ClientAborted.IsCancellationRequested)
        {
            // The breaker was given no verdict for an attempt the client walked away from (see DestinationCircuit);
            // nobody is left to answer.
            return;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(polly);
            if (attemptTimer is not null)
            {
                feature.AttemptTimer = null;
                TotalTimeout.Return(attemptTimer, link, time);
            }
        }

        await AnswerAsync(context, feature, outcome);
    }

    /// <summary>
    /// An upgraded request (a WebSocket) through the breaker. Its forwarding lasts as long as its conversation, and a
    /// Polly execution ends only when its callback does: were the breaker to wait for the socket to close, a half-open
    /// probe that is a WebSocket would keep every other request off the destination meanwhile. So the breaker gets its
    /// verdict when the response starts (the 101, or a refusal judged by its status), which frees the probe, and the
    /// conversation goes on outside the breaker; a request that ends before any response is judged as it ends.
    /// </summary>
    private async Task InvokeUpgradeAsync(HttpContext context, ResilienceScope feature, DestinationCircuit circuit)
    {
        var attempt = new UpgradeAttempt(context, feature.Cluster);
        context.Response.OnStarting(UpgradeAttempt.ResponseStarting, attempt);
        var polly = ResilienceContextPool.Shared.Get(context.RequestAborted);
        polly.Properties.Set(ResilienceScope.PropertyKey, feature);
        feature.AttemptDeadline = long.MaxValue;
        Outcome<AttemptVerdict> outcome;
        try
        {
            outcome = await circuit.Pipeline.ExecuteOutcomeAsync(
                static (_, state) => state.Self.UpgradeAttemptAsync(state.Context, state.Feature, state.Attempt),
                polly,
                (Self: this, Context: context, Feature: feature, Attempt: attempt));
        }
        catch (OperationCanceledException) when (feature.ClientAborted.IsCancellationRequested)
        {
            // As for any attempt (see InvokeAsync); the forwarding has ended, since the verdict came from its end.
            return;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(polly);
        }

        if (attempt.Forwarding is { IsCompleted: false } conversation)
        {
            await conversation;
        }

        await AnswerAsync(context, feature, outcome);
    }

    private Task AnswerAsync(HttpContext context, ResilienceScope feature, Outcome<AttemptVerdict> outcome)
    {
        switch (outcome.Exception)
        {
            case null:
                return Task.CompletedTask;
            case BrokenCircuitException or IsolatedCircuitException:
                // Lost a race with the filter (another request took the half-open probe); nothing was sent.
                metrics.CircuitRejected(feature.Cluster.ClusterId);
                return writer.WriteAsync(context, ResilienceProblems.CircuitOpen, RetryAfter.Jittered(1, 1 + ResilienceConstants.CircuitOpenRetryAfterJitterSeconds));
            case TimeoutRejectedException:
                metrics.TimedOut(feature.Cluster.ClusterId, "attempt");
                MarkTimedOut(context, outcome.Exception);
                return Task.CompletedTask;
            case OperationCanceledException when !feature.ClientAborted.IsCancellationRequested:
                // The total timeout ended the attempt; the total's middleware answers.
                MarkTimedOut(context, outcome.Exception);
                return Task.CompletedTask;
            case OperationCanceledException:
                return Task.CompletedTask;
            case var exception:
                ExceptionDispatchInfo.Throw(exception);
                return Task.CompletedTask;
        }
    }

    private async ValueTask<Outcome<AttemptVerdict>> AttemptAsync(ResilienceContext polly, HttpContext context, ResilienceScope feature, CancellationToken outer)
    {
        var saved = context.RequestAborted;
        context.RequestAborted = polly.CancellationToken;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (polly.CancellationToken.IsCancellationRequested && !feature.ClientAborted.IsCancellationRequested)
        {
            // A timeout's cancellation, judged below like one the forwarder reported without throwing.
        }
        finally
        {
            context.RequestAborted = saved;
        }

        if (polly.CancellationToken.IsCancellationRequested && !feature.ClientAborted.IsCancellationRequested)
        {
            // The attempt's own timeout unless the total's (outer) fired: the total's middleware answers that one.
            return Outcome.FromException<AttemptVerdict>(outer.IsCancellationRequested
                ? new OperationCanceledException(polly.CancellationToken)
                : new TimeoutRejectedException(feature.Cluster.Options.AttemptTimeout ?? TimeSpan.Zero));
        }

        return Outcome.FromResult(feature.Cluster.Judge(context, feature.ClientAborted.IsCancellationRequested));
    }

    private async ValueTask<Outcome<AttemptVerdict>> UpgradeAttemptAsync(HttpContext context, ResilienceScope feature, UpgradeAttempt attempt)
    {
        // RequestAborted stays the client's: an upgrade has neither an attempt nor a total timeout to swap in.
        var forwarding = next(context);
        attempt.Forwarding = forwarding;
        if (await Task.WhenAny(forwarding, attempt.Verdict) != forwarding)
        {
            return Outcome.FromResult(await attempt.Verdict);
        }

        await forwarding;
        return Outcome.FromResult(feature.Cluster.Judge(context, feature.ClientAborted.IsCancellationRequested));
    }

    private static void MarkTimedOut(HttpContext context, Exception exception)
    {
        if (!context.Response.HasStarted)
        {
            ProxyRequestState.Of(context).AttemptTimeout = exception;
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
    }

    /// <summary>One upgrade attempt: the breaker's verdict, given when the response starts, and the forwarding.</summary>
    private sealed class UpgradeAttempt(HttpContext context, ClusterResilience cluster)
    {
        public static readonly Func<object, Task> ResponseStarting = static state =>
        {
            var attempt = (UpgradeAttempt)state;
            // Judged now: the status is final once the response starts, while an error in the conversation later
            // must not change what the breaker was told about the handshake.
            attempt._verdict.TrySetResult(attempt._cluster.Judge(attempt._context, clientAborted: false));
            return Task.CompletedTask;
        };

        private readonly HttpContext _context = context;
        private readonly ClusterResilience _cluster = cluster;

        // Continuations off Kestrel's response start: the breaker's bookkeeping must not delay the 101.
        private readonly TaskCompletionSource<AttemptVerdict> _verdict = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<AttemptVerdict> Verdict => _verdict.Task;

        public Task? Forwarding { get; set; }
    }
}
