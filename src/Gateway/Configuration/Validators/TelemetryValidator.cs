using Gateway.Telemetry;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Telemetry</c>.</summary>
internal static class TelemetryValidator
{
    private const string Path = GatewayOptions.SectionName + ":Telemetry";

    public static void Validate(TelemetryOptions telemetry, ConfigErrorList errors)
    {
        if (string.IsNullOrWhiteSpace(telemetry.ServiceName))
        {
            errors.Add($"{Path}:ServiceName", "must not be empty.");
        }

        var otlp = telemetry.Otlp;
        if (otlp.Endpoint is not null &&
            (!Uri.TryCreate(otlp.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{Path}:Otlp:Endpoint", $"must be an absolute http or https URL (was '{otlp.Endpoint}').");
        }

        if (otlp.Protocol is not (TelemetryConstants.OtlpGrpc or TelemetryConstants.OtlpHttpProtobuf))
        {
            errors.Add($"{Path}:Otlp:Protocol", $"must be '{TelemetryConstants.OtlpGrpc}' or '{TelemetryConstants.OtlpHttpProtobuf}' (was '{otlp.Protocol}').");
        }
    }
}
