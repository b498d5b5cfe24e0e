using System.Collections.Concurrent;

namespace Gateway.RateLimiting;

/// <summary>One partition of a policy, as a <see cref="PartitionTable{TEntry}"/> holds it.</summary>
internal abstract class PartitionEntry(string key)
{
    public string Key { get; } = key;

    /// <summary>When a request last used it (a <see cref="TimeProvider"/> timestamp): what eviction goes by.</summary>
    public long LastUsed;

    /// <summary>Set once the table dropped it. A request that fetched it a moment before still finishes on it.</summary>
    public volatile bool Evicted;

    /// <summary>Whether dropping it now loses nothing (a full bucket, no permit out, no waiter).</summary>
    public abstract bool IsIdle { get; }
}

/// <summary>
/// A policy's partitions by key, bounded two ways: at most <c>MaxPartitions</c> (when full, the least recently used
/// eighth goes, idle ones first, so a client rotating keys pushes out its own old keys, not the buckets in use), and
/// a sweep every 10 s drops those idle and unused for a minute. Lookups take no lock; the eviction pass and the sweep
/// share one, so they never overlap, and only a request that finds the table full waits for it.
/// </summary>
internal sealed class PartitionTable<TEntry> : IDisposable
    where TEntry : PartitionEntry
{
    private readonly ConcurrentDictionary<string, TEntry> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly int _keepOnEviction;
    private readonly TimeProvider _time;
    private readonly long _idleAfter;
    private readonly long _touchResolution;
    private readonly Lock _evictionGate = new();
    private readonly ITimer _sweep;
    private readonly Action? _afterEviction;

    // Kept here: ConcurrentDictionary.Count takes every one of its (up to 1,024) locks.
    private int _count;

    // The eviction pass's work space (16 bytes a partition), made at the first pass and kept: the pass runs under the
    // lock, and pooled arrays this large would stay cached on every thread that ever ran a pass.
    private long[]? _lastUsedBuffer;
    private TEntry[]? _entryBuffer;

    /// <param name="afterEviction">
    /// Run after each eviction pass, on the thread that ran it: the owner lets go of what it holds of the dropped
    /// partitions there, rather than on a timer that a saturated thread pool can delay.
    /// </param>
    public PartitionTable(int capacity, TimeProvider time, Action? afterEviction = null)
    {
        _afterEviction = afterEviction;
        _capacity = capacity;
        _keepOnEviction = capacity - Math.Max(1, capacity / RateLimitingConstants.EvictionDivisor);
        _time = time;
        _idleAfter = (long)(RateLimitingConstants.IdleEviction.TotalSeconds * time.TimestampFrequency);
        _touchResolution = (long)(RateLimitingConstants.LastUsedResolution.TotalSeconds * time.TimestampFrequency);
        _sweep = time.CreateTimer(static s => ((PartitionTable<TEntry>)s!).SweepIdle(), this, RateLimitingConstants.SweepInterval, RateLimitingConstants.SweepInterval);
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The partitions held now (a moment's view, for the owner's shutdown).</summary>
    public IEnumerable<TEntry> Entries => _entries.Values;

    /// <summary>The partition of <paramref name="key"/>, marked as used now; null when there is none.</summary>
    public TEntry? Find(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        Touch(entry);
        return entry;
    }

    /// <summary>The partition of <paramref name="key"/>, created (making room first when full), marked as used now.</summary>
    public TEntry GetOrAdd<TArg>(string key, Func<string, TArg, TEntry> create, TArg argument)
    {
        TEntry? entry;
        while (!_entries.TryGetValue(key, out entry))
        {
            if (Count >= _capacity)
            {
                EvictLeastRecentlyUsed();
            }

            var created = create(key, argument);
            if (_entries.TryAdd(key, created))
            {
                Interlocked.Increment(ref _count);
                entry = created;
                break;
            }
        }

        Touch(entry);
        return entry;
    }

    private void Touch(TEntry entry)
    {
        // Written at most every 10 ms: a hot partition's entry is read by every core, and a write per request would
        // bounce its cache line between them.
        var now = _time.GetTimestamp();
        if (now - Volatile.Read(ref entry.LastUsed) > _touchResolution)
        {
            Volatile.Write(ref entry.LastUsed, now);
        }
    }

    /// <summary>Drops the least recently used eighth, idle partitions first, in one pass.</summary>
    private void EvictLeastRecentlyUsed()
    {
        lock (_evictionGate)
        {
            // Another request made room while this one waited.
            if (Count < _capacity)
            {
                return;
            }

            // Idle partitions fill the front, busy ones the back; each half is then ordered by last use.
            var size = Count + RateLimitingConstants.EvictionSlack;
            if (_entryBuffer is null || _entryBuffer.Length < size)
            {
                _lastUsedBuffer = new long[size];
                _entryBuffer = new TEntry[size];
            }

            var lastUsed = _lastUsedBuffer!;
            var entries = _entryBuffer;
            size = entries.Length;
            try
            {
                int idle = 0, busy = size;
                foreach (var (_, entry) in _entries)
                {
                    if (idle == busy)
                    {
                        break;
                    }

                    var slot = entry.IsIdle ? idle++ : --busy;
                    lastUsed[slot] = Volatile.Read(ref entry.LastUsed);
                    entries[slot] = entry;
                }

                Array.Sort(lastUsed, entries, 0, idle);
                Array.Sort(lastUsed, entries, busy, size - busy);
                var toEvict = idle + (size - busy) - _keepOnEviction;
                for (var i = 0; i < idle && toEvict > 0; i++, toEvict--)
                {
                    Remove(entries[i]);
                }

                for (var i = busy; i < size && toEvict > 0; i++, toEvict--)
                {
                    Remove(entries[i]);
                }
            }
            finally
            {
                // Dropped partitions must not stay reachable from here.
                Array.Clear(entries);
            }
        }

        _afterEviction?.Invoke();
    }

    /// <summary>Drops partitions idle and unused for <see cref="RateLimitingConstants.IdleEviction"/>; called by the timer.</summary>
    internal void SweepIdle()
    {
        // A sweep still running (or an eviction pass) is doing this work already.
        if (!_evictionGate.TryEnter())
        {
            return;
        }

        try
        {
            var cutoff = _time.GetTimestamp() - _idleAfter;
            foreach (var (_, entry) in _entries)
            {
                if (Volatile.Read(ref entry.LastUsed) < cutoff && entry.IsIdle)
                {
                    Remove(entry);
                }
            }
        }
        finally
        {
            _evictionGate.Exit();
        }
    }

    private void Remove(TEntry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, TEntry>(entry.Key, entry)))
        {
            Interlocked.Decrement(ref _count);
            entry.Evicted = true;
        }
    }

    public void Dispose() => _sweep.Dispose();
}
