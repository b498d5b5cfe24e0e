using Gateway.Utilities;

namespace Gateway.Configuration;

/// <summary>
/// Keys the gateway once read under another name. An operator's file that still uses an old name gets an error that
/// names the new key, rather than the binder's bare "unknown key".
/// </summary>
internal static class RenamedKeys
{
    // Paths below Gateway; '*' stands for one policy name.
    private static readonly (string Old, string New)[] s_renamed =
    [
        ("Failover:Retry", "Gateway:Resilience:Retry"),
        ("Shedding:MaxQueue", "Gateway:Shedding:QueueLimit"),
        ("Shedding:MaxQueueWait", "Gateway:Shedding:QueueTimeout"),
        ("Resilience:Policies:*:Bulkhead:MaxQueue", "Gateway:Resilience:Policies:*:Bulkhead:QueueLimit"),
    ];

    /// <summary>Adds an error for each old key present under <paramref name="gateway"/>; true when there was one.</summary>
    public static bool Find(IConfigurationSection gateway, ConfigErrorList errors)
    {
        var found = false;
        foreach (var (old, renamed) in s_renamed)
        {
            foreach (var (section, name) in Match(gateway, old.Split(':'), 0, null))
            {
                errors.Add(section.Path, $"was renamed; use {(name is null ? renamed : renamed.Replace("*", name, StringComparison.Ordinal))}.");
                found = true;
            }
        }

        return found;
    }

    private static IEnumerable<(IConfigurationSection Section, string? Name)> Match(IConfigurationSection section, string[] parts, int index, string? name)
    {
        if (index == parts.Length)
        {
            if (section.Exists())
            {
                yield return (section, name);
            }

            yield break;
        }

        if (parts[index] == "*")
        {
            foreach (var child in section.GetChildren())
            {
                foreach (var match in Match(child, parts, index + 1, child.Key))
                {
                    yield return match;
                }
            }

            yield break;
        }

        foreach (var match in Match(section.GetSection(parts[index]), parts, index + 1, name))
        {
            yield return match;
        }
    }
}
