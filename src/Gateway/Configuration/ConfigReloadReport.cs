using Gateway.Utilities;

namespace Gateway.Configuration;

/// <summary>The result of the last attempt to load the configuration, shown at <c>/admin/config</c>.</summary>
/// <param name="At">When the attempt finished.</param>
/// <param name="Outcome"><see cref="ConfigReloadOutcome.Applied"/> or <see cref="ConfigReloadOutcome.Rejected"/>.</param>
/// <param name="Errors">Why it was rejected; empty when applied.</param>
/// <param name="ServingRevision">The revision serving after the attempt (the old one when rejected).</param>
public sealed record ConfigReloadReport(DateTimeOffset At, string Outcome, IReadOnlyList<ConfigError> Errors, long ServingRevision);

/// <summary>Values of the <c>outcome</c> tag on <c>gateway.config.reloads</c>.</summary>
public static class ConfigReloadOutcome
{
    public const string Applied = "applied";
    public const string Rejected = "rejected";
}
