using Gateway.Telemetry;

namespace Gateway.Tls;

internal static partial class Log
{
    [LoggerMessage(EventId = EventIds.CertificatesReloaded, Level = LogLevel.Information, Message = "Reloaded the certificates of endpoint {Endpoint}: {Certificates}")]
    public static partial void CertificatesReloaded(ILogger logger, string endpoint, string certificates);

    [LoggerMessage(EventId = EventIds.CertificateReloadFailed, Level = LogLevel.Warning, Message = "Kept the certificates of endpoint {Endpoint}: the changed files do not load ({Reason}); the next change is tried again")]
    public static partial void CertificateReloadFailed(ILogger logger, string endpoint, string reason);
}
