using LoadTests.Cli;
using LoadTests.Clients;
using LoadTests.Reporting;
using Polly;

namespace LoadTests.Scenarios;

/// <summary>What every session of one run shares: where to record, how to retry, how it gets its connection.</summary>
internal sealed class SessionContext(
    RunStats stats,
    ResiliencePipeline<AttemptOutcome> retry,
    SessionChannels channels,
    LoadTestOptions options,
    TimeProvider time,
    CancellationTokenSource run) : IDisposable
{
    private readonly SemaphoreSlim _connections = new(options.MaxConnections, options.MaxConnections);
    private string? _abortReason;
    private long _sessions;

    public string? AbortReason => Volatile.Read(ref _abortReason);

    public void Dispose() => _connections.Dispose();

    /// <summary>Runs one session; <paramref name="scheduled"/> is when it was due, which the first call's latency counts from.</summary>
    public async Task RunSessionAsync(SessionPlan plan, long scheduled)
    {
        // Sessions start from the scheduler's loop; get off it at once so a slow connect never delays the next start.
        await Task.Yield();
        stats.SessionStarted(scheduled);
        var sendsDeadline = SendsDeadline(Interlocked.Increment(ref _sessions) - 1, options.SendDeadlineFraction);
        var bootstrapped = false;
        var token = run.Token;
        var holdsConnection = false;
        ISessionChannel? channel = null;
        try
        {
            if (channels.PerSession)
            {
                // Past the tool's own file-descriptor budget a session waits for a slot, and the wait shows in its
                // latency (counted from the schedule), rather than failing as if the target had refused it.
                if (!_connections.Wait(0))
                {
                    stats.ConnectionSlotWaited();
                    await _connections.WaitAsync(token);
                }

                holdsConnection = true;
            }

            channel = channels.Open();
            var callStart = scheduled;
            foreach (var path in plan.Bootstrap)
            {
                if (!await CallAsync(channel, path, callStart, sendsDeadline, token))
                {
                    stats.SessionFailed();
                    return;
                }

                callStart = time.GetTimestamp();
            }

            stats.SessionBootstrapped();
            bootstrapped = true;
            for (var beat = 0; beat < plan.Heartbeats && plan.HeartbeatPath is { } heartbeat; beat++)
            {
                await Task.Delay(plan.HeartbeatInterval, time, token);
                await CallAsync(channel, heartbeat, time.GetTimestamp(), sendsDeadline, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run was stopped (--max-duration, --drain, Ctrl+C): what this session did so far is recorded.
        }
        finally
        {
            stats.KindSessionEnded(sendsDeadline, bootstrapped);
            channel?.Dispose();
            if (holdsConnection)
            {
                _connections.Release();
            }
        }
    }

    /// <summary>
    /// Whether the <paramref name="n"/>-th session (from 0) sends its deadline: the sessions that do are spread evenly
    /// over the arrivals (with 0.5, every other one), so both kinds meet the same storm.
    /// </summary>
    internal static bool SendsDeadline(long n, double fraction) => Math.Floor((n + 1) * fraction) > Math.Floor(n * fraction);

    private async Task<bool> CallAsync(ISessionChannel channel, string path, long callStart, bool sendsDeadline, CancellationToken token)
    {
        var outcome = await retry.ExecuteAsync(
            async ct =>
            {
                if (stats.Attempts >= options.MaxRequests)
                {
                    Interlocked.CompareExchange(ref _abortReason, $"stopped at --max-requests {options.MaxRequests}", null);
                    await run.CancelAsync();
                    ct.ThrowIfCancellationRequested();
                }

                stats.AttemptStarted();
                var sent = time.GetTimestamp();
                var result = await channel.SendAsync(path, options.Timeout, sendsDeadline, ct);
                stats.RecordAttempt(path, result, time.GetElapsedTime(sent), sendsDeadline);
                return result;
            },
            token);
        stats.RecordCall(path, outcome.IsSuccess, callStart);
        return outcome.IsSuccess;
    }
}
