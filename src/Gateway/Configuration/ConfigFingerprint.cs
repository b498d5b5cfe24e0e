using System.Text;
using Gateway.Utilities;

namespace Gateway.Configuration;

/// <summary>
/// What a reload would read, as one string: editors and file watchers fire several change events for one save, and
/// edits to other sections (logging) fire too; an attempt on unchanged input is skipped instead of reported again.
/// </summary>
internal static class ConfigFingerprint
{
    public static string Compute(IConfiguration configuration, IReadOnlyList<ConfigError> fileErrors)
    {
        var text = new StringBuilder();
        foreach (var error in fileErrors)
        {
            text.Append(error.Path).Append('\u0001').Append(error.Reason).Append('\n');
        }

        Append(text, configuration.GetSection(ProxyConfigReader.SectionName));
        Append(text, configuration.GetSection(GatewayOptions.SectionName));
        return text.ToString();
    }

    private static void Append(StringBuilder text, IConfigurationSection section)
    {
        foreach (var (key, value) in section.AsEnumerable().OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(key).Append('\u0001').Append(value).Append('\n');
        }
    }
}
