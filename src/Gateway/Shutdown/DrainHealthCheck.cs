using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Shutdown;

/// <summary>Unhealthy (so <c>/readyz</c> answers 503) from the moment the gateway drains, so balancers stop sending.</summary>
internal sealed class DrainHealthCheck(DrainState state) : IHealthCheck
{
    private static readonly Task<HealthCheckResult> s_serving = Task.FromResult(HealthCheckResult.Healthy("Serving."));
    private static readonly Task<HealthCheckResult> s_draining =
        Task.FromResult(HealthCheckResult.Unhealthy("Draining: shutting down, stop sending new requests."));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        state.IsDraining ? s_draining : s_serving;
}
