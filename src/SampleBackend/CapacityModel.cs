namespace SampleBackend;

/// <summary>
/// A service with a fixed number of requests in service and an unbounded queue in front: past capacity the queue
/// and the latency grow without limit. Queued work is not abandoned when its client gives up, so an overloaded
/// instance keeps serving requests nobody waits for any more: the goodput collapse of a real overloaded service.
/// </summary>
public sealed class CapacityModel(int capacity, TimeSpan serviceTime) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(capacity, capacity);
    private long _queued;
    private long _served;
    private long _abandoned;
    private long _peakQueued;

    public int Capacity { get; } = capacity;

    public TimeSpan ServiceTime { get; } = serviceTime;

    public int InService => Capacity - _slots.CurrentCount;

    public long Queued => Interlocked.Read(ref _queued);

    public long Served => Interlocked.Read(ref _served);

    /// <summary>Requests served whose caller had gone by the time the answer was ready: work nobody got.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>The longest the queue has been since start or the last <see cref="ResetPeak"/>.</summary>
    public long PeakQueued => Interlocked.Read(ref _peakQueued);

    public void ResetPeak() => Interlocked.Exchange(ref _peakQueued, Queued);

    /// <param name="extraLatency">Added to the service time (an injected fault).</param>
    /// <param name="callerGone">Cancelled when the caller leaves; served work is still done (as a real overloaded
    /// service does it), but counted in <see cref="Abandoned"/> if the caller left before it was done.</param>
    public async Task ServeAsync(TimeSpan extraLatency, CancellationToken callerGone = default)
    {
        // Only a request that finds every slot taken waits in the queue.
        if (!_slots.Wait(0, CancellationToken.None))
        {
            var queued = Interlocked.Increment(ref _queued);
            for (var peak = Interlocked.Read(ref _peakQueued); queued > peak; peak = Interlocked.Read(ref _peakQueued))
            {
                if (Interlocked.CompareExchange(ref _peakQueued, queued, peak) == peak)
                {
                    break;
                }
            }

            await _slots.WaitAsync(CancellationToken.None);
            Interlocked.Decrement(ref _queued);
        }

        try
        {
            var time = ServiceTime + extraLatency;
            if (time > TimeSpan.Zero)
            {
                await Task.Delay(time, CancellationToken.None);
            }
        }
        finally
        {
            _slots.Release();
            Interlocked.Increment(ref _served);
            if (callerGone.IsCancellationRequested)
            {
                Interlocked.Increment(ref _abandoned);
            }
        }
    }

    public void Dispose() => _slots.Dispose();
}
