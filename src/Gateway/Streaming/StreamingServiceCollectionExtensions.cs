namespace Gateway.Streaming;

internal static class StreamingServiceCollectionExtensions
{
    /// <summary>Registers the open WebSockets, which close with 1001 when the drain delay ends.</summary>
    public static IServiceCollection AddGatewayStreaming(this IServiceCollection services) => services.AddSingleton<OpenWebSockets>();
}
