using System.Diagnostics;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>Runs the real gateway executable and captures what it prints.</summary>
public static class ProcessRunner
{
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunGatewayAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(RepoPaths.GatewayDll);
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
            throw new TimeoutException($"gateway {string.Join(' ', args)} did not exit within 60 s.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
