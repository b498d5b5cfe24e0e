namespace Gateway.Resilience;

internal static class ResilienceServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayResilience(this IServiceCollection services)
    {
        services.AddSingleton<ResilienceMetrics>();
        services.AddSingleton<ResilienceRegistry>();
        return services;
    }
}
