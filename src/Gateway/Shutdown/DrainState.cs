namespace Gateway.Shutdown;

/// <summary>
/// Whether the gateway is draining: set the moment the host is asked to stop (<see cref="IHostApplicationLifetime.ApplicationStopping"/>),
/// read by <c>/readyz</c> and by the step that closes HTTP/1.1 connections.
/// </summary>
internal sealed class DrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

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
