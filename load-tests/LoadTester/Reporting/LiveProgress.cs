using System.Globalization;
using Spectre.Console;

namespace LoadTests.Reporting;

/// <summary>
/// Shows a run while it goes: a live table on a terminal, or a plain line every few seconds when the output is not
/// one (CI, tests, a pipe), where redrawing would only fill a log with escape codes.
/// </summary>
internal sealed class LiveProgress(RunStats stats, string title, long planned, TimeProvider time, TextWriter output, bool interactive)
{
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_plainEvery = TimeSpan.FromSeconds(5);

    public static bool IsTerminal => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (interactive)
        {
            await AnsiConsole.Live(Render(0, 0)).AutoClear(false).StartAsync(async context =>
            {
                long lastOk = 0;
                while (!cancellationToken.IsCancellationRequested)
                {
                    await WaitAsync(s_refresh, cancellationToken);
                    var ok = stats.CallsOk;
                    context.UpdateTarget(Render(ok, (ok - lastOk) / s_refresh.TotalSeconds));
                    context.Refresh();
                    lastOk = ok;
                }
            });
            return;
        }

        long previous = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await WaitAsync(s_plainEvery, cancellationToken);
            var ok = stats.CallsOk;
            await output.WriteLineAsync(Line(ok, (ok - previous) / s_plainEvery.TotalSeconds));
            previous = ok;
        }
    }

    private string Line(long ok, double rate) => string.Create(CultureInfo.InvariantCulture,
        $"[{title}] {Elapsed():0.0}s sessions {Sessions()} ok {ok} ({rate:0}/s) failed {stats.CallsFailed} in flight {stats.InFlight} attempts {stats.Attempts}");

    private Table Render(long ok, double rate)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        table.AddColumns("elapsed", "sessions", "ok calls", "goodput /s", "failed calls", "in flight", "attempts");
        table.AddRow(
            Elapsed().ToString("0.0 's'", CultureInfo.InvariantCulture),
            Sessions(),
            ok.ToString("N0", CultureInfo.InvariantCulture),
            rate.ToString("N0", CultureInfo.InvariantCulture),
            stats.CallsFailed.ToString("N0", CultureInfo.InvariantCulture),
            stats.InFlight.ToString("N0", CultureInfo.InvariantCulture),
            stats.Attempts.ToString("N0", CultureInfo.InvariantCulture));
        return table;
    }

    // The closed model plans no count of sessions: its users loop until the phases end.
    private string Sessions() => planned > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{stats.SessionsStarted:N0} / {planned:N0}")
        : stats.SessionsStarted.ToString("N0", CultureInfo.InvariantCulture);

    private double Elapsed() => time.GetElapsedTime(stats.Origin).TotalSeconds;

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
