using Gateway.Redis;

namespace Gateway.RateLimiting;

internal static class RateLimitingServiceCollectionExtensions
{
    /// <summary>Registers rate limiting: policies rebuilt per config snapshot, global ones over the shared Redis.</summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton<RateLimitMetrics>();
        services.AddSingleton<IRedisWarmUp, RedisLeaseWarmUp>();
        services.AddSingleton<RateLimitingTableSource>();
        return services;
    }
}
