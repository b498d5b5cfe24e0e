namespace LoadTests.Clients;

/// <summary>Where one session sends its attempts: its own connection, or the run's shared pool.</summary>
internal interface ISessionChannel : IDisposable
{
    /// <param name="path">The call's path, relative to the target.</param>
    /// <param name="timeout">The attempt's bound, connect included.</param>
    /// <param name="sendDeadline">Whether to tell the server <paramref name="timeout"/> (<see cref="HttpAttempt.DeadlineHeader"/>).</param>
    ValueTask<AttemptOutcome> SendAsync(string path, TimeSpan timeout, bool sendDeadline, CancellationToken cancellationToken);
}
