using Gateway.Redis;

namespace Gateway.Shedding;

internal static class SheddingServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayShedding(this IServiceCollection services)
    {
        services.AddSingleton<SheddingMetrics>();
        services.AddSingleton<SheddingRegistry>();
        services.AddSingleton<FleetPacing>();
        services.AddSingleton<IRedisWarmUp, FleetPacingWarmUp>();
        services.AddSingleton<SchedulingLag>();
        services.AddSingleton<SheddingAttemptTimer>();
        services.AddHostedService<SchedulingLagProbe>();
        return services;
    }
}
