using Gateway.Telemetry;

namespace Gateway.RateLimiting;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.RateLimitPoliciesApplied, Level = LogLevel.Information, Message = "Rate-limit policies applied: {Policies} policies, {Kept} kept with their buckets, {Routes} limited routes")]
    public static partial void PoliciesApplied(ILogger logger, int policies, int kept, int routes);
}
