using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Identity;

/// <summary>
/// The configured consumers by the SHA-256 of their keys. A presented key is hashed and looked up: nothing about an
/// unknown key is kept, so a spray of random keys costs one hash each and no memory.
/// </summary>
internal sealed class ApiKeyTable
{
    public static readonly ApiKeyTable Empty = new(FrozenDictionary<string, GatewayIdentity>.Empty);

    private readonly FrozenDictionary<string, GatewayIdentity> _byHash;
    private readonly FrozenDictionary<string, GatewayIdentity>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private ApiKeyTable(FrozenDictionary<string, GatewayIdentity> byHash)
    {
        _byHash = byHash;
        _lookup = byHash.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _byHash.Count;

    /// <summary>From validated options: every hash lowercased, one identity object per consumer.</summary>
    public static ApiKeyTable From(IReadOnlyDictionary<string, ConsumerOptions> consumers)
    {
        var byHash = new Dictionary<string, GatewayIdentity>(StringComparer.Ordinal);
        foreach (var (name, consumer) in consumers)
        {
            var identity = GatewayIdentity.ForConsumer(name);
            foreach (var hash in consumer.KeyHashes)
            {
                byHash[hash.ToLowerInvariant()] = identity;
            }
        }

        return byHash.Count == 0 ? Empty : new ApiKeyTable(byHash.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The consumer whose key <paramref name="key"/> is, or null; allocates nothing.</summary>
    public GatewayIdentity? Find(ReadOnlySpan<char> key)
    {
        if (_byHash.Count == 0)
        {
            return null;
        }

        Span<char> hex = stackalloc char[IdentityConstants.KeyHashLength];
        return TryHash(key, hex) && _lookup.TryGetValue(hex, out var identity) ? identity : null;
    }

    /// <summary>
    /// Writes the lowercase-hex SHA-256 of <paramref name="key"/>'s UTF-8 into <paramref name="hex"/> (64 chars);
    /// false for an empty key or one over <see cref="IdentityConstants.MaxApiKeyLength"/>.
    /// </summary>
    public static bool TryHash(ReadOnlySpan<char> key, Span<char> hex)
    {
        if (key.IsEmpty || key.Length > IdentityConstants.MaxApiKeyLength)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[IdentityConstants.MaxApiKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return Convert.TryToHexStringLower(hash, hex, out _);
    }
}
