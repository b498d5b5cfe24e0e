using Gateway.Telemetry;

namespace Gateway.Identity;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.IdentityApplied, Level = LogLevel.Information, Message = "Identity applied: {Routes} routes require a credential, {Consumers} API-key consumers, {SigningKeys} JWT signing keys")]
    public static partial void IdentityApplied(ILogger logger, int routes, int consumers, int signingKeys);

    [LoggerMessage(EventId = EventIds.JwksRefreshed, Level = LogLevel.Information, Message = "JWT signing keys fetched from {Location}: {Keys} keys")]
    public static partial void JwksRefreshed(ILogger logger, string location, int keys);

    [LoggerMessage(EventId = EventIds.JwksRefreshFailed, Level = LogLevel.Warning, Message = "JWT signing keys could not be fetched from {Location}; keeping the last good {Kept} keys: {Reason}")]
    public static partial void JwksRefreshFailed(ILogger logger, string location, int kept, string reason);
}
