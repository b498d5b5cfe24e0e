namespace Gateway.Identity;

internal static class IdentityServiceCollectionExtensions
{
    /// <summary>Registers identity: API-key consumers and JWT policies rebuilt per snapshot, signing keys refreshed in the background.</summary>
    public static IServiceCollection AddGatewayIdentity(this IServiceCollection services)
    {
        services.AddSingleton<IdentityMetrics>();
        services.AddSingleton<JwksKeySource>();
        services.AddHostedService(sp => sp.GetRequiredService<JwksKeySource>());
        services.AddSingleton<IdentityTableSource>();
        services.AddSingleton<VerificationBudget>();
        services.AddSingleton<RedisConsumerLookup>();
        return services;
    }
}
