namespace Gateway.Failover;

internal static class FailoverServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayFailover(this IServiceCollection services)
    {
        services.AddSingleton<RegionDrains>();
        services.AddSingleton<FailoverMetrics>();
        services.AddSingleton<FailoverRouter>();
        services.AddSingleton<FailoverGauges>();
        return services;
    }
}
