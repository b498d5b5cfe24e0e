namespace Gateway.Redis;

internal static class RedisServiceCollectionExtensions
{
    /// <summary>Registers the shared Redis connection (start-up config) and its <c>/readyz</c> check <c>redis</c>.</summary>
    public static IServiceCollection AddGatewayRedis(this IServiceCollection services, RedisOptions startup)
    {
        services.AddSingleton<RedisMetrics>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RedisConnection>(sp, startup));
        services.AddHostedService(sp => sp.GetRequiredService<RedisConnection>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return services;
    }
}
