using Gateway.Configuration;
using Gateway.Hosting;
using Gateway.Limits;
using Gateway.Telemetry;
using Gateway.Utilities;

namespace Gateway;

/// <summary>Builds and runs the gateway host; Program.cs and the functional tests both start it from here.</summary>
public static class GatewayApp
{
    /// <summary>Runs the command line: exit 0 on a clean stop, 1 for an invalid configuration, 2 for bad usage.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var cli = GatewayCommandLine.Parse(args, out var usageError);
        if (cli is null)
        {
            await Console.Error.WriteLineAsync($"{usageError}\n{GatewayCommandLine.Usage}");
            return 2;
        }

        if (cli.ValidateFile is { } file)
        {
            return await ValidateCommand.RunAsync(file, Console.Out, Console.Error);
        }

        var (app, errors) = await BuildAsync(cli.HostArgs, cli.ConfigFile, ownsProcess: true);
        if (app is null)
        {
            await Console.Error.WriteLineAsync("The gateway did not start: its configuration is invalid.");
            await ValidateCommand.WriteErrorsAsync(Console.Error, errors);
            return 1;
        }

        await using (app)
        {
            await app.RunAsync();
        }

        return 0;
    }

    /// <summary>
    /// Builds the host and loads the start-up configuration. Returns the app ready to start, or null and every
    /// error when the configuration is invalid. <paramref name="ownsProcess"/> is true only for the gateway's own
    /// process, which may then change process-wide runtime settings (<see cref="InlineSocketCompletions"/>).
    /// </summary>
    public static async Task<(WebApplication? App, IReadOnlyList<ConfigError> Errors)> BuildAsync(
        string[] hostArgs, string? configFile = null, bool ownsProcess = false)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(GatewayCommandLine.WithoutUrls(hostArgs, out var urls));
            if (urls is not null)
            {
                builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, urls)]);
            }

            if (configFile is not null)
            {
                if (!File.Exists(configFile))
                {
                    return (null, [new ConfigError("--config", $"file '{configFile}' not found.")]);
                }

                ConfigurationSetup.AddOverlayFile(builder.Configuration, configFile);
            }
        }
        catch (InvalidDataException ex)
        {
            return (null, [new ConfigError("(config file)", ConfigFileCheck.Describe(ex))]);
        }

        // Before anything that may open a socket (the host's build, Redis, probes): the runtime reads the variable once.
        InlineSocketCompletions.Decision? inlineCompletions =
            ownsProcess ? InlineSocketCompletions.ApplyToProcess(builder.Configuration) : null;

        ConfigurationSetup.IgnoreReloadExceptions(builder.Configuration);
        QuietRequestLogging(builder);
        if (!UnreadLogScopes.Wanted(builder.Configuration))
        {
            // The logger factory takes its scope provider from the container when one is registered.
            builder.Services.AddSingleton<IExternalScopeProvider>(UnreadLogScopes.Instance);
        }

        // Kestrel's options are built with the host, before the snapshot loads: listeners come from the same
        // sections the loader validates, and an invalid one stops start-up below.
        var listenerErrors = new ConfigErrorList();
        var listeners = GatewayListeners.From(builder.Configuration, builder.Environment.ContentRootPath, TimeProvider.System, listenerErrors);
        builder.Services.AddSingleton(listeners);
        // Kestrel is bound explicitly (to tag the admin listener); clear --urls so it does not bind it a second time.
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty);

        builder.Services.AddGateway(builder.Configuration);
        var app = builder.Build();
        inlineCompletions?.Report(app.Services.GetRequiredService<ILoggerFactory>());

        var errors = new List<ConfigError>(listenerErrors.Errors);

        // The meter provider must listen before the first load, or the start-up load is not counted.
        _ = app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>();
        errors.AddRange(await app.Services.GetRequiredService<ConfigSnapshotSource>().InitializeAsync());
        if (errors.Count > 0)
        {
            await app.DisposeAsync();
            return (null, errors);
        }

        app.MapGateway();
        return (app, []);
    }

    /// <summary>
    /// ASP.NET Core starts an <see cref="System.Diagnostics.Activity"/> and a log scope for every request whenever its
    /// hosting logger is enabled at any level, only to correlate its own per-request log lines. On a proxy that is a
    /// large share of the cost of a request (measured with load-tests/bench.sh), so that logger is off unless the
    /// operator names it under <c>Logging:LogLevel</c>. Traces still get their activities when OTLP export is on.
    /// </summary>
    private static void QuietRequestLogging(WebApplicationBuilder builder)
    {
        const string category = "Microsoft.AspNetCore.Hosting.Diagnostics";
        if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
        {
            builder.Logging.AddFilter(category, LogLevel.None);
        }
    }
}
