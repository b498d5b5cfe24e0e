using System.Globalization;
using Gateway.Configuration;
using Gateway.Utilities;

namespace Gateway.Hosting;

/// <summary><c>Gateway validate &lt;file&gt;</c>: checks a complete configuration file without starting, like <c>nginx -t</c>.</summary>
internal static class ValidateCommand
{
    public static async Task<int> RunAsync(string file, TextWriter stdout, TextWriter stderr)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            await stderr.WriteLineAsync($"{file}: file not found.");
            return 1;
        }

        var fileErrors = new ConfigErrorList();
        ConfigFileCheck.Check([path], new HashSet<string> { path }, fileErrors);
        if (fileErrors.HasErrors)
        {
            await WriteErrorsAsync(stderr, fileErrors.Errors);
            return 1;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetDirectoryName(path) });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
        builder.Logging.ClearProviders();
        builder.Services.AddGateway(builder.Configuration);
        await using var app = builder.Build();
        var source = app.Services.GetRequiredService<ConfigSnapshotSource>();
        // The listeners too, though they are read once at start-up: a file that cannot start is not valid.
        var listenerErrors = new ConfigErrorList();
        GatewayListeners.From(builder.Configuration, builder.Environment.ContentRootPath, TimeProvider.System, listenerErrors);
        var errors = (await source.InitializeAsync(watch: false)).Concat(listenerErrors.Errors).ToList();
        if (errors.Count > 0)
        {
            await WriteErrorsAsync(stderr, errors);
            return 1;
        }

        var snapshot = source.Current;
        await stdout.WriteLineAsync($"{file}: valid ({Count(snapshot.Routes.Count, "route")}, {Count(snapshot.Clusters.Count, "cluster")}).");
        return 0;
    }

    private static string Count(int n, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");

    internal static async Task WriteErrorsAsync(TextWriter writer, IReadOnlyList<ConfigError> errors)
    {
        foreach (var error in errors)
        {
            await writer.WriteLineAsync(error.ToString());
        }

        await writer.WriteLineAsync($"{errors.Count} error(s); configuration is invalid.");
    }
}
