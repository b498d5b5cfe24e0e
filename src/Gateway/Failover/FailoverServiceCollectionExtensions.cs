namespace Gateway.Failover;

internal static class FailoverServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayFailover(this IServiceCollection services)
    {
        services.AddSingleton<RegionDrains>();
        services.AddSingleton<FailoverMetrics>();
        services.AddSingleton<FailoverRouter>();
        services.AddSingleton<FailoverGauges>();
        services.AddSingleton<RegionDrainSync>();
        services.AddHostedService(sp => sp.GetRequiredService<RegionDrainSync>());
        return services;
    }
}
