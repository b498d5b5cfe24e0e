using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// The real gateway executable (<c>dotnet Gateway.dll</c>) on free loopback ports, reading an appsettings.json in its
/// own temporary folder: driven from outside as in a real run, and stopped by a signal as an orchestrator stops it.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output;

    private GatewayProcess(Process process, string directory, StringBuilder output, int proxyPort, int adminPort)
    {
        _process = process;
        _directory = directory;
        _output = output;
        ProxyUrl = new Uri($"http://127.0.0.1:{proxyPort}/");
        AdminUrl = new Uri($"http://127.0.0.1:{adminPort}/");
    }

    public Uri ProxyUrl { get; }

    public Uri AdminUrl { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process wrote to stdout and stderr so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the gateway and waits until <paramref name="readyPath"/> answers 200 through the proxy;
    /// <paramref name="environment"/> sets variables in the process's environment (a null value removes one).
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(JsonObject config, string readyPath, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gateway-process-tests", Guid.NewGuid().ToString("N"));
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the gateway did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, directory, output, proxyPort, adminPort);

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
        throw new InvalidOperationException($"the gateway did not serve {readyPath} within 30 s:\n{gateway.Output}");
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start.");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} exited {kill.ExitCode}.");
        }
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
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
