using Gateway.Utilities;
using Microsoft.Extensions.Configuration.Json;

namespace Gateway.Configuration;

/// <summary>
/// Re-reads the JSON files behind the configuration. A JSON provider that fails to reload a half-written or
/// broken file silently empties its data, which would look like "no routes" to everything above it; this check
/// turns that into a refused reload instead.
/// </summary>
internal static class ConfigFileCheck
{
    /// <summary>The physical paths of the JSON files the configuration reads, in layer order.</summary>
    public static IReadOnlyList<string> JsonFiles(IConfiguration configuration)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return [];
        }

        var files = new List<string>();
        foreach (var provider in root.Providers)
        {
            if (provider is JsonConfigurationProvider { Source: { Path: { } path, FileProvider: { } fileProvider } } &&
                fileProvider.GetFileInfo(path).PhysicalPath is { } physical)
            {
                files.Add(physical);
            }
        }

        return files;
    }

    /// <summary>Adds an error for each file that is unreadable, not valid JSON, or gone although it was required.</summary>
    public static void Check(IReadOnlyList<string> files, IReadOnlySet<string> required, ConfigErrorList errors)
    {
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                if (required.Contains(file))
                {
                    errors.Add(file, "the file is missing; the gateway read it at start-up and keeps the last good config until it is back.");
                }

                continue;
            }

            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                new JsonConfigurationProvider(new JsonConfigurationSource()).Load(stream);
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                errors.Add(file, $"cannot be read as JSON: {Describe(ex)}");
            }
        }
    }

    internal static string Describe(Exception ex) =>
        ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
}
