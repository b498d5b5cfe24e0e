using Gateway.Utilities;

namespace Gateway.ClientIdentity;

/// <summary>
/// Whom to believe about client addresses (<c>Gateway:ClientIdentity:TrustedProxies</c>) for the current config
/// snapshot. The edge guard, the forwarded-header transforms and the rate limiter all read it here, so all three
/// believe the same peers. Rebuilt once per applied revision, read without a lock.
/// </summary>
internal sealed class ClientIdentitySource
{
    private readonly IConfigSource _config;
    private Entry _current = new(-1, ClientIpResolver.None);

    public ClientIdentitySource(IConfigSource config) => _config = config;

    public ClientIpResolver Current
    {
        get
        {
            var snapshot = _config.Current;
            var entry = Volatile.Read(ref _current);
            if (entry.Revision == snapshot.Revision)
            {
                return entry.Resolver;
            }

            // Two readers may both rebuild after a reload; both build the same value from the same snapshot.
            var identity = snapshot.Section<ClientIdentityOptions>();
            entry = new Entry(snapshot.Revision, ClientIpResolver.From(identity.TrustedProxies, identity.Ipv6PrefixLength));
            Volatile.Write(ref _current, entry);
            return entry.Resolver;
        }
    }

    private sealed record Entry(long Revision, ClientIpResolver Resolver);
}
