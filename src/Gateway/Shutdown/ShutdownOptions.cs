namespace Gateway.Shutdown;

/// <summary>
/// The graceful drain on SIGTERM: <c>Gateway:Shutdown</c>. When the host is asked to stop, <c>/readyz</c> answers
/// 503 at once, the listeners keep serving for <see cref="DrainDelay"/> (HTTP/1.1 responses with
/// <c>Connection: close</c>), then stop accepting while requests in flight get up to <see cref="Timeout"/> to finish.
/// Read at start-up; a change needs a restart.
/// </summary>
public sealed record ShutdownOptions
{
    /// <summary>
    /// How long the gateway keeps accepting after a stop is requested, with <c>/readyz</c> at 503, so a balancer
    /// sees it and stops sending before the listeners close. Default 5 s, range 0 to 5 min. Start-up only.
    /// </summary>
    public TimeSpan DrainDelay { get; init; } = ShutdownConstants.DefaultDrainDelay;

    /// <summary>
    /// How long requests in flight may take to finish once the listeners have closed; what is still open then is
    /// aborted. The host's shutdown timeout is <see cref="DrainDelay"/> plus this. Default 30 s, range 1 s to 1 h.
    /// Start-up only.
    /// </summary>
    public TimeSpan Timeout { get; init; } = ShutdownConstants.DefaultTimeout;
}
