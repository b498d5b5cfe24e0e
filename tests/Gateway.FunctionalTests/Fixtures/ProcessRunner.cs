using System.Diagnostics;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>Runs the real gateway executable (or a system tool) and captures what it prints.</summary>
public static class ProcessRunner
{
    public static Task<(int ExitCode, string StdOut, string StdErr)> RunGatewayAsync(string workingDirectory, params string[] args) =>
        RunAsync("dotnet", workingDirectory, [RepoPaths.GatewayDll, .. args]);

    /// <summary>Runs <paramref name="fileName"/> to its end (at most 60 s).</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string fileName, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not exit within 60 s.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
