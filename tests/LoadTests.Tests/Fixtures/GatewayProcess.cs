using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.FunctionalTests.Fixtures;

namespace LoadTests.Tests.Fixtures;

/// <summary>
/// The real gateway executable (<c>dotnet Gateway.dll</c>) on free loopback ports, reading an appsettings.json in its
/// own temporary folder: the load tester drives it from outside, as it would in a real run.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private GatewayProcess(Process process, string directory, int proxyPort, int adminPort)
    {
        _process = process;
        _directory = directory;
        ProxyUrl = new Uri($"http://127.0.0.1:{proxyPort}/");
        AdminUrl = new Uri($"http://127.0.0.1:{adminPort}/");
    }

    public Uri ProxyUrl { get; }

    public Uri AdminUrl { get; }

    /// <summary>Starts the gateway and waits until <paramref name="readyPath"/> answers 200 through the proxy.</summary>
    public static async Task<GatewayProcess> StartAsync(JsonObject config, string readyPath)
    {
        var directory = Path.Combine(Path.GetTempPath(), "load-tests-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), config.ToJsonString());
        var proxyPort = FreePort.Next();
        var adminPort = FreePort.Next();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                RepoPaths.GatewayDll,
                "--contentRoot", directory,
                "--urls", $"http://127.0.0.1:{proxyPort.ToString(CultureInfo.InvariantCulture)}",
                $"--Gateway:Admin:Urls=http://127.0.0.1:{adminPort.ToString(CultureInfo.InvariantCulture)}",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("the gateway did not start.");
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, directory, proxyPort, adminPort);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                break;
            }

            try
            {
                using var response = await client.GetAsync(new Uri(gateway.ProxyUrl, readyPath));
                if (response.IsSuccessStatusCode)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        await gateway.DisposeAsync();
        lock (log)
        {
            throw new InvalidOperationException($"the gateway did not serve {readyPath} within 30 s:\n{log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
