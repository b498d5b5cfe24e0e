using System.Globalization;

namespace Gateway.Limits;

/// <summary>
/// Warns at start when <c>Gateway:Limits:MaxConcurrentConnections</c> is not below the process's open-file limit.
/// Every client connection is a file descriptor, and so is every backend connection: past the limit Kestrel's accepts
/// fail with EMFILE and new clients hang in the listen queue instead of being closed by the cap, which is the cap's
/// whole point. Linux only (read from <c>/proc/self/limits</c>, no native call).
/// </summary>
internal sealed class OpenFileLimitCheck(LimitsOptions startup, ILogger<OpenFileLimitCheck> logger) : IHostedService
{
    private const string ProcLimits = "/proc/self/limits";
    private const string OpenFilesRow = "Max open files";

    // Backend connections, the admin listener, log and config files: what a cap must leave below the limit.
    public const long Reserve = 256;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux() && File.Exists(ProcLimits) &&
            SoftLimit(File.ReadAllText(ProcLimits)) is { } limit && Exceeds(startup.MaxConcurrentConnections, limit))
        {
            Log.ConnectionCapOverFileLimit(logger, startup.MaxConcurrentConnections, limit, Reserve);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether a cap of <paramref name="cap"/> connections leaves less than <see cref="Reserve"/> of <paramref name="limit"/>.</summary>
    public static bool Exceeds(long cap, long limit) => cap > limit - Reserve;

    /// <summary>The soft open-file limit from the text of <c>/proc/self/limits</c>; null when unlimited or not found.</summary>
    public static long? SoftLimit(string procLimits)
    {
        foreach (var line in procLimits.Split('\n'))
        {
            if (!line.StartsWith(OpenFilesRow, StringComparison.Ordinal))
            {
                continue;
            }

            var columns = line[OpenFilesRow.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return columns.Length > 0 && long.TryParse(columns[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
        }

        return null;
    }
}
