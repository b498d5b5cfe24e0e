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
    private long _peakQueued;

    public int Capacity { get; } = capacity;

    public TimeSpan ServiceTime { get; } = serviceTime;

    public int InService => Capacity - _slots.CurrentCount;

    public long Queued => Interlocked.Read(ref _queued);

    public long Served => Interlocked.Read(ref _served);

    /// <summary>The longest the queue has been since start or the last <see cref="ResetPeak"/>.</summary>
    public long PeakQueued => Interlocked.Read(ref _peakQueued);

    public void ResetPeak() => Interlocked.Exchange(ref _peakQueued, Queued);

    public async Task ServeAsync(TimeSpan extraLatency)
    {
        // Only a request that finds every slot taken waits in the queue.
        if (!_slots.Wait(0))
        {
            var queued = Interlocked.Increment(ref _queued);
            for (var peak = Interlocked.Read(ref _peakQueued); queued > peak; peak = Interlocked.Read(ref _peakQueued))
            {
                if (Interlocked.CompareExchange(ref _peakQueued, queued, peak) == peak)
                {
                    break;
                }
            }

            await _slots.WaitAsync();
            Interlocked.Decrement(ref _queued);
        }

        try
        {
            var time = ServiceTime + extraLatency;
            if (time > TimeSpan.Zero)
            {
                await Task.Delay(time);
            }
        }
        finally
        {
            _slots.Release();
            Interlocked.Increment(ref _served);
        }
    }

    public void Dispose() => _slots.Dispose();
}
