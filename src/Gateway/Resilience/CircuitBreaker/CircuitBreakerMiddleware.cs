using System.Runtime.ExceptionServices;
using Gateway.Answers;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Resilience;

/// <summary>
/// Right before the forwarder, on every attempt: runs the attempt through the chosen destination's circuit breaker
/// and attempt timeout. A timed-out attempt is reported to the rest of the pipeline as YARP's own
/// <see cref="ForwarderError.RequestTimedOut"/>, so passive health counts it, the retry may send the request
/// elsewhere, and otherwise the client gets 504 <c>upstream-timeout</c>.
/// </summary>
internal sealed class CircuitBreakerMiddleware(RequestDelegate next, GatewayResponseWriter writer, ResilienceMetrics metrics, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<ResilienceFeature>() is not { } feature)
        {
            return next(context);
        }

        // After load balancing exactly one destination is left; with none, YARP answers 503 itself.
        var available = context.GetReverseProxyFeature().AvailableDestinations;
        if (available.Count != 1)
        {
            return next(context);
        }

        return InvokeAsync(context, feature, feature.Cluster.Circuit(available[0]));
    }

    private async Task InvokeAsync(HttpContext context, ResilienceFeature feature, DestinationCircuit circuit)
    {
        var polly = ResilienceContextPool.Shared.Get(context.RequestAborted);
        polly.Properties.Set(ResilienceFeature.PropertyKey, feature);
        feature.AttemptDeadline = feature.Cluster.Options.AttemptTimeout is { } attemptTimeout && !feature.Unbounded
            ? time.GetTimestamp() + (long)(attemptTimeout.TotalSeconds * time.TimestampFrequency)
            : long.MaxValue;
        Outcome<AttemptVerdict> outcome;
        try
        {
            outcome = await circuit.Pipeline.ExecuteOutcomeAsync(
                static (polly, state) => state.Self.AttemptAsync(polly, state.Context, state.Feature),
                polly,
                (Self: this, Context: context, Feature: feature));
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
        }

        switch (outcome.Exception)
        {
            case null:
                return;
            case BrokenCircuitException or IsolatedCircuitException:
                // Lost a race with the filter (another request took the half-open probe); nothing was sent.
                metrics.CircuitRejected(feature.Cluster.ClusterId);
                await writer.WriteAsync(context, ResilienceProblems.CircuitOpen, RetryAfter.Jittered(1, 1 + ResilienceConstants.CircuitOpenRetryAfterJitterSeconds));
                return;
            case TimeoutRejectedException:
                metrics.TimedOut(feature.Cluster.ClusterId, "attempt");
                MarkTimedOut(context, outcome.Exception);
                return;
            case OperationCanceledException when !feature.ClientAborted.IsCancellationRequested:
                // The total timeout ended the attempt; the total's middleware answers.
                MarkTimedOut(context, outcome.Exception);
                return;
            case OperationCanceledException:
                return;
            case var exception:
                ExceptionDispatchInfo.Throw(exception);
                return;
        }
    }

    private async ValueTask<Outcome<AttemptVerdict>> AttemptAsync(ResilienceContext polly, HttpContext context, ResilienceFeature feature)
    {
        var saved = context.RequestAborted;
        context.RequestAborted = polly.CancellationToken;
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestAborted = saved;
        }

        if (polly.CancellationToken.IsCancellationRequested && !feature.ClientAborted.IsCancellationRequested)
        {
            return Outcome.FromException<AttemptVerdict>(new OperationCanceledException(polly.CancellationToken));
        }

        return Outcome.FromResult(feature.Cluster.Judge(context, feature.ClientAborted.IsCancellationRequested));
    }

    private static void MarkTimedOut(HttpContext context, Exception exception)
    {
        if (!context.Response.HasStarted)
        {
            context.Features.Set<IForwarderErrorFeature>(new TimedOutError(exception));
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
    }

    private sealed class TimedOutError(Exception exception) : IForwarderErrorFeature
    {
        public ForwarderError Error => ForwarderError.RequestTimedOut;

        public Exception? Exception => exception;
    }
}
