using System.Collections.Concurrent;

namespace Gateway.Identity;

/// <summary>
/// Tokens already verified, with their outcome: a valid one until its <c>exp</c>, a refused one for
/// <see cref="IdentityConstants.RefusalCacheTime"/>. A reconnect storm presents the same tokens again and again; each is
/// verified once. Both outcomes share one map, so a token the cache does not know costs one hash and one lookup, not
/// one per outcome (a forged token is hundreds of characters; issue 21 holds its refusal to a rate-limit refusal's
/// cost). Bounded per outcome at <c>TokenCacheSize</c> entries: when the accepted tokens reach it the map is emptied
/// whole; when the refused ones do, only they are removed, so a flood of distinct forged tokens never costs the valid
/// clients their entries. No eviction bookkeeping on the hot path; a flood of distinct tokens costs verification,
/// never memory. One cache per key set and settings: a rotation or reload starts an empty one, so no token outlives
/// the keys that verified it.
/// </summary>
internal sealed class TokenCache
{
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _accepted;
    private int _refused;

    public TokenCache(int capacity, TimeProvider time)
    {
        _capacity = capacity;
        _time = time;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The most entries held of each outcome.</summary>
    public int Capacity => _capacity;

    /// <summary>Accepted tokens held now (approximate under concurrent adds).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Refused tokens held now (approximate under concurrent adds).</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>
    /// True when <paramref name="token"/> was verified and its outcome still holds: <paramref name="identity"/> is who it
    /// names, or null when it was refused. One lookup for either outcome; allocates nothing.
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

    /// <summary>Remembers <paramref name="token"/>'s outcome until <paramref name="until"/>: its identity, or null when refused.</summary>
    public void Add(string token, GatewayIdentity? identity, DateTimeOffset until)
    {
        if (_capacity == 0)
        {
            return;
        }

        // Racing adds may each empty the map or remove the refusals; the bound holds either way, and a lost entry is
        // only verified again.
        if (identity is not null)
        {
            if (Interlocked.Increment(ref _accepted) > _capacity)
            {
                _entries.Clear();
                Interlocked.Exchange(ref _refused, 0);
                Interlocked.Exchange(ref _accepted, 1);
            }
        }
        else if (Interlocked.Increment(ref _refused) > _capacity)
        {
            RemoveRefusals();
            Interlocked.Exchange(ref _refused, 1);
        }

        _entries[token] = new Entry(identity, until);
    }

    /// <summary>
    /// Removes every refused entry and keeps the accepted ones. A walk of the map, once per <c>TokenCacheSize</c>
    /// refusals, each of which cost a signature check first: far cheaper than those checks, and nothing on lookups.
    /// </summary>
    private void RemoveRefusals()
    {
        foreach (var pair in _entries)
        {
            if (pair.Value.Identity is null)
            {
                // Only this entry: a token verified valid since then, under the same key, stays.
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(GatewayIdentity? Identity, DateTimeOffset Until);
}
