namespace Gateway.ClientIdentity;

internal static class ClientIdentityConstants
{
    // An IPv6 client is usually given a /64 (RFC 6177 suggests /48 to /64 per site), so it holds every address in
    // it; per-client limits count the prefix, not the address.
    public const int DefaultIpv6PrefixLength = 64;
    public const int MinIpv6PrefixLength = 32;
    public const int MaxIpv6PrefixLength = 128;
}
