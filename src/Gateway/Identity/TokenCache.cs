using System.Collections.Concurrent;

namespace Gateway.Identity;

/// <summary>
/// Tokens already verified, with their outcome: a valid one until its <c>exp</c>, a refused one for
/// <see cref="IdentityConstants.RefusalCacheTime"/>. A reconnect storm presents the same tokens again and again; each is
/// verified once. Bounded: when it holds <c>TokenCacheSize</c> entries it is emptied whole (no eviction bookkeeping on
/// the hot path), so a flood of distinct tokens costs verification, never memory. One cache per key set and settings:
/// a rotation or reload starts an empty one, so no token outlives the keys that verified it.
/// </summary>
internal sealed class TokenCache
{
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _count;

    public TokenCache(int capacity, TimeProvider time)
    {
        _capacity = capacity;
        _time = time;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity => _capacity;

    /// <summary>Entries held now (approximate under concurrent adds).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// True when <paramref name="token"/> was verified and its outcome still holds: <paramref name="identity"/> is who it
    /// names, or null when it was refused. Allocates nothing.
    /// </summary>
    public bool TryGet(ReadOnlySpan<char> token, out GatewayIdentity? identity)
    {
        if (_capacity > 0 && _lookup.TryGetValue(token, out var entry) && entry.Until > _time.GetUtcNow())
        {
            identity = entry.Identity;
            return true;
        }

        identity = null;
        return false;
    }

    public void Add(string token, GatewayIdentity? identity, DateTimeOffset until)
    {
        if (_capacity == 0)
        {
            return;
        }

        if (Interlocked.Increment(ref _count) > _capacity)
        {
            // Racing adds may each clear; the bound holds either way, and a lost entry is only verified again.
            _entries.Clear();
            Interlocked.Exchange(ref _count, 1);
        }

        _entries[token] = new Entry(identity, until);
    }

    private sealed record Entry(GatewayIdentity? Identity, DateTimeOffset Until);
}
