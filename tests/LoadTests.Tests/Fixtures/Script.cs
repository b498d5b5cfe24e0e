using System.Diagnostics;
using Gateway.FunctionalTests.Fixtures;

namespace LoadTests.Tests.Fixtures;

/// <summary>Runs one of the repository's scripts from its root and collects what it printed.</summary>
public static class Script
{
    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; kills it (and its children) after <paramref name="timeout"/>.</summary>
    public static async Task<ScriptResult> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ScriptResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A finished script: its exit code and everything it wrote.</summary>
public sealed record ScriptResult(int ExitCode, string Stdout, string Stderr);
