using LoadTests.Backend;
using LoadTests.Cli;
using LoadTests.Clients;
using LoadTests.Load;
using LoadTests.Reporting;
using Polly;

namespace LoadTests.Scenarios;

/// <summary>Runs a scenario once per client retry policy and gathers the report.</summary>
internal sealed class ScenarioRunner(TimeProvider time, TextWriter output)
{
    public async Task<LoadReport> RunAsync(ScenarioDefinition scenario, LoadTestOptions options, string commandLine, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        using var controlClient = options.Control is { } control
            ? new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = control, Timeout = TimeSpan.FromSeconds(10) }
            : null;
        var backend = controlClient is null ? null : new SampleBackendControl(controlClient);
        var runs = new List<RunReport>();
        foreach (var policy in options.Policies)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (runs.Count > 0 && options.Settle > TimeSpan.Zero)
            {
                await output.WriteLineAsync($"settling {options.Settle.TotalSeconds} s before the next policy");
                await DelayQuietlyAsync(options.Settle, cancellationToken);
            }

            runs.Add(await RunPolicyAsync(scenario, policy, options, backend, cancellationToken));
        }

        return new LoadReport(scenario.Name, options.Target.ToString(), commandLine, startedAt, Machine(), runs);
    }

    private async Task<RunReport> RunPolicyAsync(
        ScenarioDefinition scenario, ClientRetryPolicy policy, LoadTestOptions options, SampleBackendControl? backend, CancellationToken cancellationToken)
    {
        IReadOnlyList<InstanceState> before = [];
        if (backend is not null)
        {
            await backend.ResetStatsAsync(cancellationToken);
            before = await backend.InstancesAsync(cancellationToken);
        }

        var name = $"{policy.Name()}, {scenario.Connection.Name()}";
        using var hardStop = new CancellationTokenSource(options.MaxDuration, time);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hardStop.Token);
        using var channels = new SessionChannels(scenario.Connection, options.Client, options.Target, options.Timeout, options.MaxConnections, time);
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var stats = new RunStats(time, time.GetTimestamp());
        stats.DeclareSteps(scenario.Steps);
        using var context = new SessionContext(
            stats, RetryPipelines.Create(policy, options.Retry, time), channels, options, time, run);
        using var progressStop = new CancellationTokenSource();
        var progress = options.Quiet
            ? Task.CompletedTask
            : new LiveProgress(stats, $"{scenario.Name}: {name}", scenario.PlannedSessions, time, output, LiveProgress.IsTerminal).RunAsync(progressStop.Token);
        var events = new List<RunEvent>();
        var actions = backend is null
            ? []
            : scenario.Actions.Select(a => RunActionAsync(a, backend, stats, events, run.Token)).ToList();

        string? aborted = null;
        if (scenario.ClosedModel)
        {
            long iteration = 0;
            await new ClosedModel(time).RunAsync(
                scenario.Phases,
                stats.Origin,
                (_, token) => context.RunSessionAsync(scenario.Sessions[(int)(Interlocked.Increment(ref iteration) % scenario.Sessions.Count)], time.GetTimestamp()),
                run.Token);
        }
        else
        {
            var sessions = new List<Task>();
            await new ArrivalScheduler(time).RunAsync(
                scenario.Phases,
                stats.Origin,
                (arrival, scheduled) => sessions.Add(context.RunSessionAsync(scenario.Sessions[(int)(arrival.Index % scenario.Sessions.Count)], scheduled)),
                long.MaxValue,
                run.Token);
            var all = Task.WhenAll(sessions);
            try
            {
                await all.WaitAsync(options.Drain, time, run.Token);
            }
            catch (TimeoutException)
            {
                aborted = $"sessions still in flight {options.Drain.TotalSeconds} s after the last arrival were cancelled";
                await run.CancelAsync();
            }
            catch (OperationCanceledException)
            {
                // Stopped (--max-duration, --max-requests, Ctrl+C); the sessions see the same token and end.
            }

            await all;
        }

        await Task.WhenAll(actions);
        aborted = context.AbortReason ?? (hardStop.IsCancellationRequested ? $"stopped by --max-duration {options.MaxDuration}" : null) ?? aborted
            ?? (cancellationToken.IsCancellationRequested ? "cancelled" : null);
        await progressStop.CancelAsync();
        await progress;

        IReadOnlyList<BackendInstanceReport>? backendReport = null;
        if (backend is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40), time);
            backendReport = SampleBackendControl.Compare(before, await backend.DrainedAsync(TimeSpan.FromSeconds(30), time, timeout.Token));
        }

        var generatorCpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        var (steps, overall, duration, timeline) = stats.Summarise();
        var planned = scenario.ClosedModel ? stats.SessionsStarted : scenario.PlannedSessions;
        lock (events)
        {
            return new RunReport(
                name,
                scenario.Model,
                string.Join(", ", scenario.Phases),
                policy.Name(),
                channels.PerSession ? $"{scenario.Connection.Name()} ({channels.Stack.Name()} client)" : scenario.Connection.Name(),
                duration,
                steps,
                overall,
                stats.SummariseSessions(planned),
                backendReport,
                events.OrderBy(e => e.AtSeconds).ToList(),
                timeline,
                aborted,
                stats.SummariseKinds(),
                Math.Round(generatorCpu, 3));
        }
    }

    private async Task RunActionAsync(ScenarioAction action, SampleBackendControl backend, RunStats stats, List<RunEvent> events, CancellationToken cancellationToken)
    {
        var wait = action.At - time.GetElapsedTime(stats.Origin);
        if (wait > TimeSpan.Zero && !await DelayQuietlyAsync(wait, cancellationToken))
        {
            return;
        }

        var at = time.GetElapsedTime(stats.Origin).TotalSeconds;
        string what;
        try
        {
            await action.RunAsync(backend, cancellationToken);
            what = action.What;
        }
        catch (HttpRequestException ex)
        {
            what = $"{action.What} FAILED: {ex.Message}";
        }

        await output.WriteLineAsync($"{at:0.0}s: {what}");
        lock (events)
        {
            events.Add(new RunEvent(Math.Round(at, 2), what));
        }
    }

    /// <summary>The machine and how busy it was at the start: a load test on a shared machine says so.</summary>
    private static string Machine()
    {
        var text = $"{Environment.MachineName}, {Environment.ProcessorCount} cores";
        try
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{text}, load average {load[0]} {load[1]} {load[2]} at start";
        }
        catch (IOException)
        {
            return text;
        }
        catch (UnauthorizedAccessException)
        {
            return text;
        }
    }

    private async Task<bool> DelayQuietlyAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
