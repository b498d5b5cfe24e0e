using System.Globalization;
using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Model;

namespace Gateway.Streaming;

/// <summary>A route's own idle timeouts (<c>Metadata.IdleTimeout</c>, <c>Metadata.WebSocketIdleTimeout</c>), read once per route model.</summary>
internal sealed record RouteIdleTimeouts(TimeSpan? Stream, TimeSpan? WebSocket)
{
    private static readonly RouteIdleTimeouts s_none = new(null, null);
    private static readonly ConditionalWeakTable<RouteModel, RouteIdleTimeouts> s_routes = new();

    public static RouteIdleTimeouts Of(RouteModel route) =>
        route.Config.Metadata is null ? s_none : s_routes.GetValue(route, static r => Read(r.Config.Metadata));

    /// <summary>Reads the keys (validated as durations when the config was loaded).</summary>
    internal static RouteIdleTimeouts Read(IReadOnlyDictionary<string, string>? metadata) =>
        new(Parse(metadata, StreamingConstants.RouteIdleTimeoutMetadataKey), Parse(metadata, StreamingConstants.RouteWebSocketIdleTimeoutMetadataKey));

    internal static TimeSpan? Parse(IReadOnlyDictionary<string, string>? metadata, string key) =>
        metadata is not null && metadata.TryGetValue(key, out var text) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
}
