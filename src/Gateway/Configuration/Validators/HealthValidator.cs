using Gateway.Health;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Health</c>.</summary>
internal static class HealthValidator
{
    private const string Path = GatewayOptions.SectionName + ":Health";

    public static void Validate(HealthOptions health, ConfigErrorList errors)
    {
        var outlier = health.OutlierDetection;
        errors.RequireRange($"{Path}:PanicThreshold", health.PanicThreshold, HealthConstants.MinPanicThreshold, HealthConstants.MaxPanicThreshold);
        errors.RequireRange($"{Path}:OutlierDetection:ConsecutiveFailures", outlier.ConsecutiveFailures, HealthConstants.MinConsecutiveFailures, HealthConstants.MaxConsecutiveFailures);
        errors.RequireRange($"{Path}:OutlierDetection:BaseEjectionTime", outlier.BaseEjectionTime, HealthConstants.MinEjectionTime, HealthConstants.MaxEjectionTimeLimit);
        errors.RequireRange($"{Path}:OutlierDetection:EjectionTimeMultiplier", outlier.EjectionTimeMultiplier, HealthConstants.MinEjectionTimeMultiplier, HealthConstants.MaxEjectionTimeMultiplier);
        errors.RequireRange($"{Path}:OutlierDetection:MaxEjectionTime", outlier.MaxEjectionTime, outlier.BaseEjectionTime, HealthConstants.MaxEjectionTimeLimit);
        errors.RequireRange($"{Path}:OutlierDetection:MaxEjectionPercent", outlier.MaxEjectionPercent, HealthConstants.MinEjectionPercent, HealthConstants.MaxEjectionPercentLimit);
    }
}
