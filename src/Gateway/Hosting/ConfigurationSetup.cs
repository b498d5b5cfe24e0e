using Gateway.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Gateway.Hosting;

internal static class ConfigurationSetup
{
    /// <summary>
    /// Layers <paramref name="file"/> right above the appsettings files (so environment variables and the command
    /// line still override it), watched for changes like appsettings.json.
    /// </summary>
    public static void AddOverlayFile(ConfigurationManager configuration, string file)
    {
        var source = new JsonConfigurationSource { Path = Path.GetFullPath(file), Optional = false, ReloadOnChange = true };
        source.ResolveFileProvider();
        var sources = configuration.Sources;
        var lastJson = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource)
            {
                lastJson = i;
            }
        }

        sources.Insert(lastJson + 1, source);
    }

    /// <summary>
    /// After start-up, a file that fails to reload must not throw on the watcher's thread: the provider's data is
    /// then empty and <see cref="ConfigFileCheck"/> refuses the reload with the file's error instead.
    /// </summary>
    public static void IgnoreReloadExceptions(IConfigurationBuilder configuration)
    {
        foreach (var source in configuration.Sources.OfType<FileConfigurationSource>())
        {
            source.OnLoadException = context => context.Ignore = true;
        }
    }
}
