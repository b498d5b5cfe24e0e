using Gateway.Configuration;

namespace Gateway.RateLimiting;

internal static class RateLimitingServiceCollectionExtensions
{
    /// <summary>Registers rate limiting: policies rebuilt per config snapshot, and the Redis store (start-up config).</summary>
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, GatewayOptions startup)
    {
        services.AddSingleton<RateLimitMetrics>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RedisRateLimitStore>(sp, startup.Redis));
        services.AddHostedService(sp => sp.GetRequiredService<RedisRateLimitStore>());
        services.AddSingleton<RateLimitingTableSource>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return services;
    }
}
