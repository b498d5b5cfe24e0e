using System.Diagnostics;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// Waits for a state the gateway, a backend or redis-server reaches in its own time (a health check, a reload, a
/// circuit's break): asks every 20 ms until the condition holds, and throws <see cref="TimeoutException"/> once the
/// time limit has passed without it.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(10);

    // Short enough that a test waiting on a condition that also drives load (a batch of requests per check) keeps
    // the backend busy between checks, as the adaptive limit's sample windows need.
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(20);

    /// <param name="timeout">10 s when not given.</param>
    /// <param name="what">What was awaited, for the failure message.</param>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        var limit = timeout ?? s_defaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Not reached within {limit}: {what ?? "the condition"}");
            }

            await Task.Delay(s_interval);
        }
    }

    /// <inheritdoc cref="TrueAsync(Func{Task{bool}}, TimeSpan?, string?)"/>
    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what);
}
