namespace Gateway.Shutdown;

internal static class ShutdownServiceCollectionExtensions
{
    /// <summary>
    /// Registers the graceful drain (start-up config): the drain state, the delay before the server stops, the
    /// <c>/readyz</c> check <c>drain</c>, and the host's shutdown timeout (drain delay plus the in-flight timeout).
    /// </summary>
    public static IServiceCollection AddGatewayShutdown(this IServiceCollection services, ShutdownOptions startup)
    {
        services.AddSingleton<DrainState>();
        services.AddSingleton(startup);
        services.AddHostedService<DrainDelayService>();
        services.AddHealthChecks().AddCheck<DrainHealthCheck>("drain");
        services.Configure<HostOptions>(host => host.ShutdownTimeout = startup.DrainDelay + startup.Timeout);
        return services;
    }
}
