using Yarp.ReverseProxy.Health;

namespace Gateway.Health;

internal static class HealthServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddSingleton<OutlierTracker>();
        services.AddSingleton<HealthMetrics>();
        services.AddSingleton<IPassiveHealthCheckPolicy, OutlierDetectionPolicy>();
        return services;
    }
}
