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

    public int Capacity { get; } = capacity;

    public TimeSpan ServiceTime { get; } = serviceTime;

    public int InService => Capacity - _slots.CurrentCount;

    public long Queued => Interlocked.Read(ref _queued);

    public long Served => Interlocked.Read(ref _served);

    public async Task ServeAsync(TimeSpan extraLatency)
    {
        Interlocked.Increment(ref _queued);
        await _slots.WaitAsync();
        Interlocked.Decrement(ref _queued);
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
