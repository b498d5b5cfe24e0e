using Gateway.Health;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Health</c>.</summary>
internal static class HealthValidator
{
    private const string Path = GatewayOptions.SectionName + ":Health";

    public static void Validate(HealthOptions health, ConfigErrorList errors)
    {
        var outlier = health.OutlierDetection;
        errors.RequireRange($"{Path}:PanicThreshold", health.PanicThreshold, 0, 1);
        errors.RequireRange($"{Path}:OutlierDetection:ConsecutiveFailures", outlier.ConsecutiveFailures, 1, 1000);
        errors.RequireRange($"{Path}:OutlierDetection:BaseEjectionTime", outlier.BaseEjectionTime, HealthConstants.MinEjectionTime, HealthConstants.MaxEjectionTimeLimit);
        errors.RequireRange($"{Path}:OutlierDetection:EjectionTimeMultiplier", outlier.EjectionTimeMultiplier, 1, 10);
        errors.RequireRange($"{Path}:OutlierDetection:MaxEjectionTime", outlier.MaxEjectionTime, outlier.BaseEjectionTime, HealthConstants.MaxEjectionTimeLimit);
        errors.RequireRange($"{Path}:OutlierDetection:MaxEjectionPercent", outlier.MaxEjectionPercent, 0, 100);
    }
}
