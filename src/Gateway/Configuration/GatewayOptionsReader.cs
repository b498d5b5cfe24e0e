using Gateway.Failover;
using Gateway.Identity;
using Gateway.RateLimiting;
using Gateway.Resilience;
using Gateway.Utilities;

namespace Gateway.Configuration;

/// <summary>Binds the <c>Gateway</c> section strictly: an unknown key is an error, not a silent default.</summary>
internal static class GatewayOptionsReader
{
    /// <summary>
    /// The section as it stands, for what must be wired before the first snapshot is validated (telemetry,
    /// listeners); defaults when it does not bind. The snapshot loader reports the errors.
    /// </summary>
    public static GatewayOptions ReadOrDefault(IConfiguration root) => Read(root, new ConfigErrorList()) ?? new GatewayOptions();

    public static GatewayOptions? Read(IConfiguration root, ConfigErrorList errors)
    {
        var section = root.GetSection(GatewayOptions.SectionName);
        if (RenamedKeys.Find(section, errors))
        {
            return null;
        }

        GatewayOptions options;
        try
        {
            options = section.Get<GatewayOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new GatewayOptions();
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(section.Path, ex.Message);
            return null;
        }

        // Config keys are case-insensitive; the binder's dictionaries are not.
        return options with
        {
            Failover = options.Failover with
            {
                Policies = new Dictionary<string, FailoverPolicyOptions>(options.Failover.Policies, StringComparer.OrdinalIgnoreCase),
            },
            Resilience = options.Resilience with
            {
                Policies = new Dictionary<string, ResiliencePolicyOptions>(options.Resilience.Policies, StringComparer.OrdinalIgnoreCase),
            },
            RateLimiting = options.RateLimiting with
            {
                Policies = new Dictionary<string, RateLimitPolicyOptions>(options.RateLimiting.Policies, StringComparer.OrdinalIgnoreCase),
            },
            Identity = options.Identity with
            {
                Policies = new Dictionary<string, IdentityPolicyOptions>(options.Identity.Policies, StringComparer.OrdinalIgnoreCase),
                Consumers = new Dictionary<string, ConsumerOptions>(options.Identity.Consumers, StringComparer.OrdinalIgnoreCase),
            },
        };
    }
}
