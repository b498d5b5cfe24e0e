using System.Collections.Frozen;
using Gateway.Utilities;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Gateway.Health;

/// <summary>
/// Per attempt, once the attempt is over: the cluster's passive health policy (YARP's passive health checks, the
/// gateway's <see cref="OutlierDetectionPolicy"/> by default) and <see cref="ServingEvidence"/> (whether the
/// destination served the request, answered it, or refused the connection). Both judge the same finished attempt, so
/// they share one await: as two middlewares each cost an async state machine per request. When the retry step
/// awaits the attempt anyway, they ride on its await instead (<see cref="ProxyRequestState.AttemptHealthHosted"/>).
/// </summary>
internal sealed class AttemptHealthMiddleware(RequestDelegate next, ServingEvidence evidence, IEnumerable<IPassiveHealthCheckPolicy> policies)
{
    // YARP's default when a cluster enables passive checks without naming a policy (the gateway names one itself).
    private const string DefaultPassivePolicy = "TransportFailureRate";

    private readonly FrozenDictionary<string, IPassiveHealthCheckPolicy> _policies =
        policies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        if (ProxyRequestState.Find(context) is { AttemptHealthHosted: true } state)
        {
            // The retry step awaits every attempt anyway and calls AfterAttempt right after that await: a second
            // await here would cost an async state machine per attempt.
            state.AttemptHealthPending = this;
            return next(context);
        }

        return InvokeAndRecordAsync(context);
    }

    /// <summary>
    /// For the retry step (<see cref="ProxyRequestState.AttemptHealthHosted"/>), right after its await of an attempt:
    /// judges the attempt that just ended, once; nothing when this step did not run for it (an earlier step answered).
    /// </summary>
    public static void AfterAttempt(HttpContext context, ProxyRequestState state)
    {
        if (state.AttemptHealthPending is { } step)
        {
            state.AttemptHealthPending = null;
            step.Record(context);
        }
    }

    private async Task InvokeAndRecordAsync(HttpContext context)
    {
        await next(context);
        Record(context);
    }

    private void Record(HttpContext context)
    {
        var proxy = context.ProxyFeature();
        if (proxy.ProxiedDestination is not { } destination)
        {
            return;
        }

        RecordEvidence(context, destination);
        if (proxy.Cluster.Config.HealthCheck?.Passive is { Enabled: true } passive)
        {
            var name = passive.Policy ?? DefaultPassivePolicy;
            var policy = _policies.TryGetValue(name, out var found)
                ? found
                : throw new InvalidOperationException($"No passive health policy named '{name}'.");
            policy.RequestProxied(context, proxy.Route.Cluster!, destination);
        }
    }

    private void RecordEvidence(HttpContext context, Yarp.ReverseProxy.Model.DestinationState destination)
    {
        if (context.Feature<IForwarderErrorFeature>() is null)
        {
            if (context.Response.StatusCode < StatusCodes.Status500InternalServerError)
            {
                evidence.Served(destination);
            }
            else
            {
                evidence.Reached(destination);
            }
        }
        else if (FailureClassifier.NothingSent(context))
        {
            evidence.Refused(destination);
        }
    }
}
