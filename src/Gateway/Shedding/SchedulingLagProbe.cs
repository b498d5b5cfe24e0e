namespace Gateway.Shedding;

/// <summary>
/// Measures <see cref="SchedulingLag"/>: a one-shot timer of <see cref="SheddingConstants.LagProbeInterval"/>, re-armed
/// from its own callback, whose lateness is the thread pool's (and the timer thread's) delay.
/// </summary>
internal sealed class SchedulingLagProbe(SchedulingLag lag, TimeProvider time) : IHostedService, IDisposable
{
    private readonly long _interval = (long)(SheddingConstants.LagProbeInterval.TotalSeconds * time.TimestampFrequency);
    private ITimer? _timer;
    private long _armedAt;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _armedAt = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((SchedulingLagProbe)state!).Tick(), this, SheddingConstants.LagProbeInterval, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Tick()
    {
        var now = time.GetTimestamp();
        lag.Sample(now - _armedAt - _interval);
        _armedAt = now;
        _timer?.Change(SheddingConstants.LagProbeInterval, Timeout.InfiniteTimeSpan);
    }
}
