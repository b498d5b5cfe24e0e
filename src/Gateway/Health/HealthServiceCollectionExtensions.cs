using Yarp.ReverseProxy.Health;

namespace Gateway.Health;

internal static class HealthServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddSingleton<OutlierTracker>();
        services.AddSingleton<ServingEvidence>();
        services.AddSingleton<HealthMetrics>();
        services.AddSingleton<IPassiveHealthCheckPolicy, OutlierDetectionPolicy>();
        return services;
    }

    /// <summary>
    /// Wraps every active health check policy registered so far (YARP's own included) in a
    /// <see cref="ProbeEvidencePolicy"/>. Call after <c>AddReverseProxy</c>, which registers YARP's.
    /// </summary>
    public static IReverseProxyBuilder AddProbeEvidence(this IReverseProxyBuilder builder)
    {
        var services = builder.Services;
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(IActiveHealthCheckPolicy) || descriptor.IsKeyedService)
            {
                continue;
            }

            services[i] = ServiceDescriptor.Singleton<IActiveHealthCheckPolicy>(sp =>
                new ProbeEvidencePolicy(Create(sp, descriptor), sp.GetRequiredService<ServingEvidence>()));
        }

        return builder;
    }

    private static IActiveHealthCheckPolicy Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IActiveHealthCheckPolicy)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));
}
