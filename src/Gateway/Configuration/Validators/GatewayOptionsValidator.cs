using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>
/// Rules for the <c>Gateway</c> section: one validator per sub-section, each error naming its key path and the allowed
/// range. Routes' and clusters' references into this section are <see cref="ProxyMetadataValidator"/>'s.
/// </summary>
internal static class GatewayOptionsValidator
{
    public static IReadOnlyList<ConfigError> Validate(GatewayOptions options)
    {
        var errors = new ConfigErrorList();
        AdminValidator.Validate(options.Admin, errors);
        TelemetryValidator.Validate(options.Telemetry, errors);
        FailoverValidator.Validate(options.Failover, errors);
        HealthValidator.Validate(options.Health, errors);
        ResiliencePolicyValidator.Validate(options.Resilience, errors);
        RateLimitingValidator.Validate(options.RateLimiting, errors);
        RedisValidator.Validate(options.Redis, errors);
        ClientIdentityValidator.Validate(options.ClientIdentity, errors);
        IdentityValidator.Validate(options.Identity, errors);
        if (options.Identity.RedisConsumers && string.IsNullOrWhiteSpace(options.Redis.Configuration))
        {
            errors.Add($"{GatewayOptions.SectionName}:Identity:RedisConsumers", "needs Gateway:Redis:Configuration: the shared consumers are in Redis.");
        }
        LimitsValidator.Validate(options.Limits, errors);
        SheddingValidator.Validate(options.Shedding, errors);
        ShutdownValidator.Validate(options.Shutdown, errors);
        AccessLogValidator.Validate(options.AccessLog, errors);
        WebSocketsValidator.Validate(options.WebSockets, errors);
        return errors.Errors;
    }
}
