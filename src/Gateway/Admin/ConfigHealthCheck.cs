using Gateway.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Admin;

/// <summary>
/// Ready once a configuration serves. A refused reload reports Degraded (still ready: the last good config serves)
/// so an operator sees it in <c>/readyz</c> detail without the load balancer pulling the instance.
/// </summary>
internal sealed class ConfigHealthCheck(ConfigSnapshotSource config) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = config.LastReload;
        var result = last switch
        {
            null => HealthCheckResult.Unhealthy("No configuration has been loaded yet."),
            { Outcome: ConfigReloadOutcome.Rejected, ServingRevision: > 0 } => HealthCheckResult.Degraded(
                $"The last reload was rejected with {last.Errors.Count} error(s); revision {last.ServingRevision} keeps serving."),
            { Outcome: ConfigReloadOutcome.Rejected } => HealthCheckResult.Unhealthy("No valid configuration."),
            _ => HealthCheckResult.Healthy($"Revision {last.ServingRevision} serving."),
        };
        return Task.FromResult(result);
    }
}
