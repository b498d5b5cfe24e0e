using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A real gateway on real Kestrel listeners (free loopback ports), reading an appsettings.json in its own temporary
/// folder that a test can rewrite to exercise hot reload.
/// </summary>
public sealed class GatewayTestHost : IAsyncDisposable
{
    private const string AdminSection = "Admin";

    private readonly WebApplication _app;

    private GatewayTestHost(WebApplication app, string directory, Uri proxyUrl, int adminPort)
    {
        _app = app;
        Directory = directory;
        ProxyUrl = proxyUrl;
        AdminUrl = new Uri($"http://127.0.0.1:{adminPort}/");
        Proxy = new HttpClient { BaseAddress = ProxyUrl, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = AdminUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Directory { get; }

    public string ConfigPath => Path.Combine(Directory, "appsettings.json");

    public Uri ProxyUrl { get; }

    public Uri AdminUrl { get; }

    public HttpClient Proxy { get; }

    public HttpClient Admin { get; }

    public IServiceProvider Services => _app.Services;

    internal ConfigSnapshotSource ConfigSource => _app.Services.GetRequiredService<ConfigSnapshotSource>();

    public static Task<GatewayTestHost> StartAsync(JsonObject config, params string[] extraArgs)
    {
        var proxyPort = FreePort.Next();
        return StartAsync(config, new Uri($"http://127.0.0.1:{proxyPort}/"), ["--urls", $"http://127.0.0.1:{proxyPort}", .. extraArgs]);
    }

    /// <summary>
    /// A gateway whose proxy listeners are <paramref name="endpoints"/>, written into the config as
    /// <c>Kestrel:Endpoints</c> (name, URL, <c>Protocols</c>), and no <c>--urls</c>. <see cref="ProxyUrl"/> is the
    /// first endpoint's.
    /// </summary>
    public static Task<GatewayTestHost> StartWithEndpointsAsync(JsonObject config, params (string Name, Uri Url, string Protocols)[] endpoints) =>
        StartWithEndpointsAsync(config, [], endpoints);

    /// <inheritdoc cref="StartWithEndpointsAsync(JsonObject, ValueTuple{string, Uri, string}[])"/>
    /// <param name="extraArgs">Command-line arguments after the fixture's own (they win over them).</param>
    public static Task<GatewayTestHost> StartWithEndpointsAsync(JsonObject config, string[] extraArgs, params (string Name, Uri Url, string Protocols)[] endpoints)
    {
        var declared = new JsonObject();
        foreach (var (name, url, protocols) in endpoints)
        {
            declared[name] = new JsonObject { ["Url"] = url.GetLeftPart(UriPartial.Authority), ["Protocols"] = protocols };
        }

        config["Kestrel"] = new JsonObject { ["Endpoints"] = declared };
        return StartAsync(config, endpoints[0].Url, extraArgs);
    }

    /// <summary>A gateway whose proxy listeners are the config's own <c>Kestrel</c> section; <see cref="ProxyUrl"/> is <paramref name="proxyUrl"/>.</summary>
    public static Task<GatewayTestHost> StartWithKestrelAsync(JsonObject config, Uri proxyUrl) => StartAsync(config, proxyUrl, []);

    private static async Task<GatewayTestHost> StartAsync(JsonObject config, Uri proxyUrl, string[] extraArgs)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), config.ToJsonString());
        // A config that names its admin listener keeps it (and may change it on reload); otherwise a free loopback port.
        var configuredAdmin = (string?)config["Gateway"]?[AdminSection]?["Urls"];
        var adminPort = configuredAdmin is null ? FreePort.Next() : new Uri(configuredAdmin.Split(';')[0]).Port;
        string[] args =
        [
            "--contentRoot", directory,
            .. configuredAdmin is null ? [$"--Gateway:Admin:Urls=http://127.0.0.1:{adminPort}"] : Array.Empty<string>(),
            // Every test stops its gateway; the graceful drain's delay would add 5 s to each. Its own tests set it.
            "--Gateway:Shutdown:DrainDelay=00:00:00",
            .. extraArgs,
        ];
        var cli = Gateway.Hosting.GatewayCommandLine.Parse(args, out var usageError)
            ?? throw new ArgumentException(usageError, nameof(extraArgs));
        var (app, errors) = await GatewayApp.BuildAsync(cli.HostArgs, cli.ConfigFile);
        if (app is null)
        {
            throw new InvalidOperationException("Gateway did not start: " + string.Join("; ", errors));
        }

        await app.StartAsync();
        return new GatewayTestHost(app, directory, proxyUrl, adminPort);
    }

    /// <summary>Rewrites appsettings.json the way an editor saves it: to a temporary file, then renamed over.</summary>
    public async Task WriteConfigAsync(string text)
    {
        var temporary = ConfigPath + ".tmp";
        await File.WriteAllTextAsync(temporary, text);
        File.Move(temporary, ConfigPath, overwrite: true);
    }

    public Task WriteConfigAsync(JsonObject config) => WriteConfigAsync(config.ToJsonString());

    /// <summary>Waits until a reload attempt newer than <paramref name="after"/> has been reported.</summary>
    public async Task<ConfigReloadReport> WaitForReloadAsync(DateTimeOffset after, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (DateTime.UtcNow < deadline)
        {
            // An applied snapshot counts once YARP's route table runs it too.
            if (ConfigSource.LastReload is { } report && report.At > after &&
                (report.Outcome == ConfigReloadOutcome.Rejected || ConfigSource.ProxyRevision >= report.ServingRevision))
            {
                return report;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("No configuration reload was reported in time.");
    }

    public async Task<JsonDocument> GetAdminJsonAsync(string path)
    {
        using var response = await Admin.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>GETs through the proxy and returns who served it (null when a backend did not answer).</summary>
    public async Task<(HttpResponseMessage Response, global::SampleBackend.EchoResponse? Echo)> GetAsync(string path)
    {
        var response = await Proxy.GetAsync(path);
        global::SampleBackend.EchoResponse? echo = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            echo = await response.Content.ReadFromJsonAsync<global::SampleBackend.EchoResponse>();
        }

        return (response, echo);
    }

    /// <summary>Stops the gateway as SIGTERM does (drain delay, listeners closed, requests in flight finished).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
