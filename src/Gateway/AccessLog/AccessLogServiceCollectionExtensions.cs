namespace Gateway.AccessLog;

internal static class AccessLogServiceCollectionExtensions
{
    /// <summary>Registers the access log's queue and writer when <c>Gateway:AccessLog:Enabled</c> (start-up config).</summary>
    public static IServiceCollection AddGatewayAccessLog(this IServiceCollection services, AccessLogOptions startup)
    {
        services.AddSingleton(startup);
        if (!startup.Enabled)
        {
            return services;
        }

        services.AddSingleton<AccessLogMetrics>();
        services.AddSingleton<AccessLogQueue>();
        services.AddHostedService<AccessLogWriter>();
        return services;
    }
}
