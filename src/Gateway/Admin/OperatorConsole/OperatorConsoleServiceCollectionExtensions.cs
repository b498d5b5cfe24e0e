using Gateway.Telemetry;

namespace Gateway.Admin.OperatorConsole;

internal static class OperatorConsoleServiceCollectionExtensions
{
    public static IServiceCollection AddOperatorConsole(this IServiceCollection services)
    {
        services.AddSingleton<TrafficStats>();
        services.AddSingleton<RequestDurationFeed>();
        services.AddSingleton<ConsoleAssets>();
        return services;
    }
}
