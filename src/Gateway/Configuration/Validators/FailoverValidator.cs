using Gateway.Failover;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Failover</c>: each policy under <c>Policies</c>.</summary>
internal static class FailoverValidator
{
    private const string Path = GatewayOptions.SectionName + ":Failover:Policies";

    public static void Validate(FailoverOptions failover, ConfigErrorList errors)
    {
        foreach (var (name, policy) in failover.Policies)
        {
            ValidatePolicy($"{Path}:{name}", policy, errors);
        }
    }

    private static void ValidatePolicy(string path, FailoverPolicyOptions policy, ConfigErrorList errors)
    {
        if (policy.Regions.Count == 0)
        {
            errors.Add($"{path}:Regions", "must list at least one region, most preferred first.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < policy.Regions.Count; i++)
        {
            var region = policy.Regions[i];
            if (string.IsNullOrWhiteSpace(region))
            {
                errors.Add($"{path}:Regions:{i}", "must not be empty.");
            }
            else if (!seen.Add(region))
            {
                errors.Add($"{path}:Regions:{i}", $"region '{region}' is listed twice.");
            }
        }

        errors.RequireRange($"{path}:MinHealthyFraction", policy.MinHealthyFraction, FailoverConstants.MinMinHealthyFraction, FailoverConstants.MaxMinHealthyFraction);
        errors.RequireRange($"{path}:FailbackDelay", policy.FailbackDelay, FailoverConstants.MinDelay, FailoverConstants.MaxDelay);
        errors.RequireRange($"{path}:SlowStart", policy.SlowStart, FailoverConstants.MinDelay, FailoverConstants.MaxDelay);
    }
}
