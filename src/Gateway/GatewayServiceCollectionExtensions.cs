using Gateway.AccessLog;
using Gateway.Admin.OperatorConsole;
using Gateway.Admin;
using Gateway.Answers;
using Gateway.ClientIdentity;
using Gateway.Configuration;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Hosting;
using Gateway.Identity;
using Gateway.Limits;
using Gateway.RateLimiting;
using Gateway.Redis;
using Gateway.Resilience;
using Gateway.Shedding;
using Gateway.Shutdown;
using Gateway.Streaming;
using Gateway.Telemetry;
using Gateway.Tls;
using Gateway.Utilities;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
        services.AddSingleton<IConfigSource>(sp => sp.GetRequiredService<ConfigSnapshotSource>());
        services.AddSingleton<IConfigChangeListener, ProxyApplyListener>();
        services.AddGatewayHealth();
        services.AddGatewayFailover();
        services.AddGatewayRedis(startup.Redis);
        services.AddGatewayIdentity();
        services.AddGatewayRateLimiting();
        services.AddOperatorConsole();
        services.AddGatewayLimits(startup.Limits, startup.ClientIdentity.Ipv6PrefixLength);
        services.AddGatewayResilience();
        services.AddGatewayShedding();
        services.AddGatewayShutdown(startup.Shutdown);
        services.AddGatewayAccessLog(startup.AccessLog);
        services.AddGatewayStreaming();
        services.AddReverseProxy().AddGatewayTransforms(startup.Telemetry, startup.AccessLog).AddProbeEvidence();
        services.AddOptions<KestrelServerOptions>()
            .Configure<GatewayListeners, ProxyConnectionLimit, TlsEndpoints>((kestrel, listeners, limit, tls) =>
                GatewayPipeline.UseConnectionSteps(kestrel, listeners, limit, tls));

        services.AddSingleton<TlsEndpoints>();
        services.AddSingleton<GatewayResponseWriter>();
        services.AddSingleton<ClientIdentitySource>();
        services.AddSingleton<MatcherPolicy, ListenerMatcherPolicy>();
        services.AddHealthChecks().AddCheck<ConfigHealthCheck>("config");
        services.TryAddSingleton(sp => GatewayListeners.From(
            configuration, sp.GetRequiredService<IHostEnvironment>().ContentRootPath, sp.GetRequiredService<TimeProvider>(), new ConfigErrorList()));
        return services;
    }
}
