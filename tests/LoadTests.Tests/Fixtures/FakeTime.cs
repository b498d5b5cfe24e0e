using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Fixtures;

/// <summary>Drives code that waits on a <see cref="FakeTimeProvider"/> without sleeping for real.</summary>
public static class FakeTime
{
    /// <summary>Advances in <paramref name="step"/>s until <paramref name="task"/> completes (at most <paramref name="limit"/> of fake time).</summary>
    public static async Task<T> RunAsync<T>(FakeTimeProvider time, Task<T> task, TimeSpan step, TimeSpan limit)
    {
        for (var advanced = TimeSpan.Zero; !task.IsCompleted && advanced <= limit; advanced += step)
        {
            // Continuations after a timer may run on the thread pool: give them a moment before time moves on.
            await WaitForQuietAsync(task);
            time.Advance(step);
        }

        await WaitForQuietAsync(task);
        Assert.True(task.IsCompleted, $"did not finish within {limit} of fake time");
        return await task;
    }

    /// <summary>Polls (real time) until <paramref name="condition"/> holds, up to 5 s.</summary>
    public static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }

    private static async Task WaitForQuietAsync(Task task)
    {
        for (var i = 0; i < 3 && !task.IsCompleted; i++)
        {
            await Task.Yield();
        }
    }
}
