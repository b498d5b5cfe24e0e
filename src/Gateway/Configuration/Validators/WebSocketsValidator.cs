using Gateway.Streaming;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:WebSockets</c>, and for the idle timeouts a route sets in its metadata.</summary>
internal static class WebSocketsValidator
{
    private const string Path = StreamingConstants.SectionPath;

    public static void Validate(WebSocketsOptions webSockets, ConfigErrorList errors)
    {
        errors.RequireRange($"{Path}:IdleTimeout", webSockets.IdleTimeout, StreamingConstants.MinIdleTimeout, StreamingConstants.MaxIdleTimeout);
        var keepAlive = webSockets.KeepAliveInterval;
        if (keepAlive != TimeSpan.Zero)
        {
            errors.RequireRange($"{Path}:KeepAliveInterval", keepAlive, StreamingConstants.MinIdleTimeout, StreamingConstants.MaxKeepAliveInterval);
            if (keepAlive >= webSockets.IdleTimeout)
            {
                errors.Add($"{Path}:KeepAliveInterval", $"must be below IdleTimeout ({webSockets.IdleTimeout}), or the socket is closed before its first ping (was {keepAlive}).");
            }
        }
    }

    /// <summary>A route's <c>Metadata.IdleTimeout</c> and <c>Metadata.WebSocketIdleTimeout</c>: durations from 1 s to 24 h.</summary>
    public static void ValidateRoute(string routePath, IReadOnlyDictionary<string, string>? metadata, ConfigErrorList errors)
    {
        ValidateIdle(routePath, metadata, StreamingConstants.RouteIdleTimeoutMetadataKey, errors);
        ValidateIdle(routePath, metadata, StreamingConstants.RouteWebSocketIdleTimeoutMetadataKey, errors);
    }

    private static void ValidateIdle(string routePath, IReadOnlyDictionary<string, string>? metadata, string key, ConfigErrorList errors)
    {
        if (metadata?.TryGetValue(key, out var text) != true)
        {
            return;
        }

        var path = $"{routePath}:Metadata:{key}";
        if (!TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var idle))
        {
            errors.Add(path, $"must be a duration hh:mm:ss[.fff] (was '{text}').");
            return;
        }

        errors.RequireRange(path, idle, StreamingConstants.MinIdleTimeout, StreamingConstants.MaxIdleTimeout);
    }
}
