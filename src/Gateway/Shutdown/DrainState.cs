namespace Gateway.Shutdown;

/// <summary>
/// Whether the gateway is draining: set the moment the host is asked to stop (<see cref="IHostApplicationLifetime.ApplicationStopping"/>),
/// read by <c>/readyz</c> and by the step that closes HTTP/1.1 connections.
/// </summary>
internal sealed class DrainState : IDisposable
{
    private readonly CancellationTokenSource _delayOver = new();
    private volatile bool _draining;

    public bool IsDraining => _draining;

    /// <summary>
    /// Cancelled when the drain delay is over and the listeners are about to close: what lives on past requests
    /// (upgraded connections) is told to end then.
    /// </summary>
    public CancellationToken DelayOver => _delayOver.Token;

    public void Dispose() => _delayOver.Dispose();

    /// <summary>Marks the drain delay as over, once.</summary>
    public void EndDelay()
    {
        try
        {
            _delayOver.Cancel();
        }
        catch (AggregateException)
        {
            // A callback threw; the others ran, and the shutdown must go on.
        }
    }

    /// <summary>Marks the gateway as draining; true the first time.</summary>
    public bool Begin()
    {
        if (_draining)
        {
            return false;
        }

        _draining = true;
        return true;
    }
}
