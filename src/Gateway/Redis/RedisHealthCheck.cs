using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Redis;

/// <summary>
/// Redis's part in <c>/readyz</c>: Degraded (still ready) while global limits are decided locally, so an operator
/// sees it without the load balancer pulling an instance that serves fine.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var live = redis.LiveInstances;
        var result = redis.State switch
        {
            RedisState.NotConfigured => HealthCheckResult.Healthy("Redis not configured: rate limits are local to this instance."),
            RedisState.Connected => HealthCheckResult.Healthy($"Redis connected: global rate limits shared by {live} live instance(s)."),
            RedisState.CircuitOpen => HealthCheckResult.Degraded($"Redis circuit open (slow or failing): global rate limits use this instance's share, 1/{live}."),
            RedisState.Connecting => HealthCheckResult.Degraded($"Redis connecting: global rate limits use this instance's share, 1/{live}."),
            _ => HealthCheckResult.Degraded($"Redis unreachable: global rate limits use this instance's share, 1/{live}."),
        };
        return Task.FromResult(result);
    }
}
