using System.Runtime.ExceptionServices;
using Gateway.Answers;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Gateway.Utilities;

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
        var available = context.ProxyFeature().AvailableDestinations;
        if (available.Count != 1)
        {
            return next(context);
        }

        var circuit = feature.Cluster.Circuit(available[0]);
        // Only an upgraded request runs unbounded (ResilienceMiddleware decided so).
        if (feature.Unbounded)
        {
            return InvokeUpgradeAsync(context, feature, circuit);
        }

        return circuit.State == CircuitState.Closed ? InvokeClosedAsync(context, feature, circuit) : InvokeAsync(context, feature, circuit);
    }

    /// <summary>
    /// An attempt through a closed circuit, nearly every attempt: it is sent first and its outcome handed to the
    /// breaker after, in a run that completes without awaiting anything, so Polly's async execution and the attempt's
    /// own async step are not paid per request. Polly's check before a run lets everything through a closed circuit,
    /// which is what the state read here says; the circuit filter before load balancing read the same mirror. An
    /// attempt begun just before the circuit opened still reports: Polly refuses the late run while it is open
    /// (that outcome is not counted, as for an attempt begun before the break in the awaited path) and takes it as
    /// the probe once the break is over.
    /// </summary>
    private async Task InvokeClosedAsync(HttpContext context, ResilienceScope feature, DestinationCircuit circuit)
    {
        var outer = context.RequestAborted;
        var (attemptTimer, link) = StartAttemptTimer(feature, outer);
        var token = attemptTimer?.Token ?? outer;
        Outcome<AttemptVerdict> attempt;
        context.RequestAborted = token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !feature.ClientAborted.IsCancellationRequested)
        {
            // A timeout's cancellation, judged below like one the forwarder reported without throwing.
        }
        finally
        {
            context.RequestAborted = outer;
            attempt = OutcomeOf(context, feature, token, outer);
            if (attemptTimer is not null)
            {
                feature.AttemptTimer = null;
                TotalTimeout.Return(attemptTimer, link, time);
            }
        }

        // No token for the run: Polly would not run a callback for a cancelled one, and the breaker must hear a timed-out
        // attempt as the failure it is.
        var polly = ResilienceContextPool.Shared.Get();
        if (attempt.Exception is not null || attempt.Result == AttemptVerdict.ClientAborted)
        {
            // Only the breaker's judgement of a cancellation or an abandoned attempt reads the scope (DestinationCircuit):
            // a plain verdict, nearly every attempt, spares a property write and its clearing.
            polly.Properties.Set(ResilienceScope.PropertyKey, feature);
        }

        try
        {
            // Completes without awaiting: the callback and the breaker's bookkeeping are synchronous.
            await circuit.Pipeline.ExecuteOutcomeAsync(static (_, attempt) => new ValueTask<Outcome<AttemptVerdict>>(attempt), polly, attempt);
        }
        catch (OperationCanceledException) when (feature.ClientAborted.IsCancellationRequested)
        {
            // No verdict for an attempt the client walked away from (see DestinationCircuit); nobody is left to answer.
            return;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(polly);
        }

        // The attempt was sent either way: one the breaker refused to hear (it opened meanwhile) is answered as it went.
        await AnswerAsync(context, feature, attempt);
    }

    private async Task InvokeAsync(HttpContext context, ResilienceScope feature, DestinationCircuit circuit)
    {
        // The total timeout's token (or the client's): the attempt's own is linked to it.
        var outer = context.RequestAborted;
        var (attemptTimer, link) = StartAttemptTimer(feature, outer);
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

        return OutcomeOf(context, feature, polly.CancellationToken, outer);
    }

    /// <summary>The attempt's own timer, when the policy has an attempt timeout, linked to the total's token.</summary>
    private (CancellationTokenSource? Timer, CancellationTokenRegistration Link) StartAttemptTimer(ResilienceScope feature, CancellationToken outer)
    {
        if (feature.Cluster.Options.AttemptTimeout is not { } attemptTimeout)
        {
            feature.AttemptDeadline = long.MaxValue;
            return (null, default);
        }

        feature.AttemptDeadline = time.GetTimestamp() + (long)(attemptTimeout.TotalSeconds * time.TimestampFrequency);
        var (timer, link) = TotalTimeout.Rent(attemptTimeout, time, outer);
        feature.AttemptTimer = timer;
        return (timer, link);
    }

    /// <summary>What an ended attempt was: the breaker's verdict on its response, or the timeout that ended it.</summary>
    private static Outcome<AttemptVerdict> OutcomeOf(HttpContext context, ResilienceScope feature, CancellationToken attemptToken, CancellationToken outer)
    {
        if (attemptToken.IsCancellationRequested && !feature.ClientAborted.IsCancellationRequested)
        {
            // The attempt's own timeout unless the total's (outer) fired: the total's middleware answers that one.
            return Outcome.FromException<AttemptVerdict>(outer.IsCancellationRequested
                ? new OperationCanceledException(attemptToken)
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
