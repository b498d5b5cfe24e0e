namespace Gateway.Shutdown;

/// <summary>
/// Holds the host's stop for <see cref="ShutdownOptions.DrainDelay"/> before any hosted service stops, the server
/// (whose stop closes the listeners) included: <see cref="IHostedLifecycleService.StoppingAsync"/> runs after
/// <c>ApplicationStopping</c> and before every <c>StopAsync</c>.
/// </summary>
internal sealed class DrainDelayService(
    DrainState state, ShutdownOptions options, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<DrainDelayService> logger)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopping fires first, so /readyz turns 503 even while another stopping step runs ahead of this one.
        lifetime.ApplicationStopping.Register(static s => ((DrainDelayService)s!).Begin(), this);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        Begin();
        if (options.DrainDelay <= TimeSpan.Zero)
        {
            state.EndDelay();
            return;
        }

        try
        {
            await Task.Delay(options.DrainDelay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out (or a second stop forced it): stop now.
        }

        Log.DrainDelayOver(logger, options.Timeout);
        state.EndDelay();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Begin()
    {
        if (state.Begin())
        {
            Log.DrainStarted(logger, options.DrainDelay);
        }
    }
}
