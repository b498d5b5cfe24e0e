using Gateway.Admin;
using Gateway.Admin.OperatorConsole;
using Gateway.CircuitBreaking;
using Gateway.Configuration;
using Gateway.Edge;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Hosting;
using Gateway.Proxy;
using Gateway.RateLimiting;
using Gateway.Redis;
using Gateway.Shedding;
using Gateway.Telemetry;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;

namespace Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>Registers the gateway: YARP fed by the validated config snapshot, the admin API and telemetry.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        // Telemetry is wired before the first snapshot exists; a broken Gateway section is reported by the loader.
        var startup = GatewayOptionsReader.ReadOrDefault(configuration);
        services.AddGatewayTelemetry(startup.Telemetry);

        services.AddSingleton<ConfigSnapshotLoader>();
        services.AddSingleton<ConfigSnapshotSource>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<ConfigSnapshotSource>());
        services.AddSingleton<IConfigChangeListener, ProxyApplyListener>();
        services.AddGatewayHealth();
        services.AddGatewayFailover();
        services.AddGatewayRedis(startup.Redis);
        services.AddGatewayRateLimiting();
        services.AddOperatorConsole();
        services.AddGatewayEdge(startup.Limits);
        services.AddGatewayResilience();
        services.AddGatewayShedding();
        services.AddReverseProxy()
            .AddTransforms<InternalHeaderTransformProvider>()
            .AddTransforms<ConnectionHeaderTransformProvider>()
            .AddTransforms<RetryResponseTransformProvider>()
            .AddTransforms<DeadlineTransformProvider>()
            .AddTransforms<ForwardedHeaderTransformProvider>();

        services.AddSingleton<GatewayResponseWriter>();
        services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        services.AddHealthChecks().AddCheck<ConfigHealthCheck>("config");
        services.TryAddSingleton(_ => GatewayListeners.From(configuration, out string? _));
        return services;
    }
}
