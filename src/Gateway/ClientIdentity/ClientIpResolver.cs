using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Primitives;

namespace Gateway.ClientIdentity;

/// <summary>
/// The client's address: the socket's peer unless that peer is a trusted proxy; only then is
/// <c>X-Forwarded-For</c> read, right to left, skipping trusted hops. A client cannot pick its own partition by
/// sending the header, because an untrusted peer's header is never read.
/// </summary>
internal sealed class ClientIpResolver
{
    private readonly IPNetwork[] _trusted;
    private readonly int _ipv6PrefixLength;

    // The group's text by the peer's address object (Kestrel's one per connection), for IPv6 peers: their group, and
    // an IPv4-mapped peer's IPv4 address, are new objects, each formatted anew, on every request of the connection.
    private readonly ConditionalWeakTable<IPAddress, string> _peerGroupTexts = [];

    private ClientIpResolver(IPNetwork[] trusted, int ipv6PrefixLength)
    {
        _trusted = trusted;
        _ipv6PrefixLength = ipv6PrefixLength;
    }

    /// <summary>No trusted proxy; IPv6 clients grouped by the default prefix.</summary>
    public static ClientIpResolver None { get; } = new([], ClientIdentityConstants.DefaultIpv6PrefixLength);

    /// <summary>Parses CIDRs already checked by validation; an unparsable one is skipped.</summary>
    public static ClientIpResolver From(IReadOnlyList<string> cidrs, int ipv6PrefixLength = ClientIdentityConstants.DefaultIpv6PrefixLength)
    {
        var networks = new List<IPNetwork>(cidrs.Count);
        foreach (var cidr in cidrs)
        {
            if (TryParseNetwork(cidr, out var network))
            {
                networks.Add(network);
            }
        }

        return networks.Count == 0 && ipv6PrefixLength == ClientIdentityConstants.DefaultIpv6PrefixLength
            ? None
            : new ClientIpResolver([.. networks], ipv6PrefixLength);
    }

    /// <summary>
    /// The client as per-client limits count it: an IPv4 address as is, an IPv6 one cut to its
    /// <c>Ipv6PrefixLength</c> network (the address with the host bits zeroed).
    /// </summary>
    public IPAddress Group(IPAddress client) => Group(client, _ipv6PrefixLength);

    /// <inheritdoc cref="Group(IPAddress)"/>
    public static IPAddress Group(IPAddress client, int ipv6PrefixLength)
    {
        client = Normalize(client);
        if (client.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128)
        {
            return client;
        }

        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes, out _);
        var whole = ipv6PrefixLength / 8;
        if (whole < bytes.Length)
        {
            bytes[whole] &= (byte)(0xFF << (8 - (ipv6PrefixLength % 8)));
            bytes[(whole + 1)..].Clear();
        }

        return new IPAddress(bytes);
    }

    /// <summary>
    /// The text of the group of <paramref name="peer"/>, the socket's peer, when no trusted proxy stands in front of it
    /// (<see cref="Resolve"/> would return the peer itself): formatted once per address object rather than per request.
    /// </summary>
    public string PeerGroupText(IPAddress peer)
    {
        if (peer.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            // An IPv4 address keeps its own text once formatted.
            return peer.ToString();
        }

        if (!_peerGroupTexts.TryGetValue(peer, out var text))
        {
            text = Group(peer).ToString();
            _peerGroupTexts.AddOrUpdate(peer, text);
        }

        return text;
    }

    // The bits of ::ffff:0:0/96 in front of an IPv4-mapped address.
    private const int MappedPrefixBits = 96;

    /// <summary>Accepts <c>a.b.c.d/n</c>, <c>v6/n</c> or a bare address (one host); an IPv4-mapped network is read as the IPv4 one it maps.</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            // Peers are compared as IPv4 (Normalize), so a network written IPv4-mapped (::ffff:10.0.0.0/104) is too;
            // kept as written it matched no peer at all.
            if (network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= MappedPrefixBits)
            {
                network = new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - MappedPrefixBits);
            }

            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            address = Normalize(address);
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>Whether any proxy is trusted, that is whether <c>X-Forwarded-For</c> can change what <see cref="Resolve"/> says.</summary>
    public bool TrustsProxies => _trusted.Length > 0;

    public IPAddress? Resolve(IPAddress? peer, StringValues forwardedFor)
    {
        if (peer is null)
        {
            return null;
        }

        peer = Normalize(peer);
        if (_trusted.Length == 0 || !IsTrusted(peer) || StringValues.IsNullOrEmpty(forwardedFor))
        {
            return peer;
        }

        // The header may come as several lines; together they are one list, the last entry nearest to us.
        var client = peer;
        for (var line = forwardedFor.Count - 1; line >= 0; line--)
        {
            var value = forwardedFor[line].AsSpan();
            while (!value.IsEmpty)
            {
                var comma = value.LastIndexOf(',');
                var entry = value[(comma + 1)..].Trim();
                value = comma < 0 ? [] : value[..comma];
                if (entry.IsEmpty)
                {
                    continue;
                }

                if (!TryParseHop(entry, out var hop))
                {
                    // Garbage where an address should be: the last hop we believed is all we know.
                    return client;
                }

                client = hop;
                if (!IsTrusted(hop))
                {
                    return hop;
                }
            }
        }

        return client;
    }

    /// <summary>Whether <paramref name="peer"/> (the socket's peer) is one of the trusted proxies.</summary>
    public bool IsTrustedPeer(IPAddress? peer) => peer is not null && _trusted.Length > 0 && IsTrusted(Normalize(peer));

    private bool IsTrusted(IPAddress address)
    {
        foreach (var network in _trusted)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryParseHop(ReadOnlySpan<char> entry, out IPAddress address)
    {
        if (IPAddress.TryParse(entry, out address!))
        {
            address = Normalize(address);
            return true;
        }

        // "1.2.3.4:5678" and "[::1]:5678" carry a port some proxies add.
        if (IPEndPoint.TryParse(entry, out var endpoint))
        {
            address = Normalize(endpoint.Address);
            return true;
        }

        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
