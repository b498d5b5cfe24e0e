namespace LoadTests.Load;

/// <summary>
/// The closed model: a number of virtual users, each running its iteration in a loop, the count following the
/// phases (checked every <see cref="LoadConstants.ClosedModelTick"/>). A user above the current count stops after
/// its iteration; a slow target slows the users down, which is what a closed model measures.
/// </summary>
internal sealed class ClosedModel(TimeProvider time)
{
    private int _target;

    /// <summary>Runs users until the phases end or cancellation; <paramref name="iteration"/> gets the user's number.</summary>
    public async Task RunAsync(IReadOnlyList<LoadPhase> phases, long origin, Func<int, CancellationToken, Task> iteration, CancellationToken cancellationToken)
    {
        var users = new List<Task>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var total = ArrivalPlan.TotalDuration(phases);
        while (!cancellationToken.IsCancellationRequested)
        {
            var elapsed = time.GetElapsedTime(origin);
            if (elapsed >= total)
            {
                break;
            }

            var target = (int)Math.Round(UsersAt(phases, elapsed));
            Volatile.Write(ref _target, target);
            for (var id = users.Count; id < target; id++)
            {
                users.Add(RunUserAsync(id, iteration, stop.Token));
            }

            // Users stopped by a lower count come back when it rises: restart finished ones below the target.
            for (var id = 0; id < Math.Min(target, users.Count); id++)
            {
                if (users[id].IsCompleted)
                {
                    users[id] = RunUserAsync(id, iteration, stop.Token);
                }
            }

            try
            {
                await Task.Delay(LoadConstants.ClosedModelTick, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Volatile.Write(ref _target, 0);
        await Task.WhenAll(users).ConfigureAwait(false);
    }

    public static double UsersAt(IReadOnlyList<LoadPhase> phases, TimeSpan elapsed)
    {
        foreach (var phase in phases)
        {
            if (elapsed < phase.Duration)
            {
                return phase.ValueAt(elapsed);
            }

            elapsed -= phase.Duration;
        }

        return 0;
    }

    private async Task RunUserAsync(int id, Func<int, CancellationToken, Task> iteration, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (id < Volatile.Read(ref _target) && !cancellationToken.IsCancellationRequested)
        {
            await iteration(id, cancellationToken).ConfigureAwait(false);
        }
    }
}
