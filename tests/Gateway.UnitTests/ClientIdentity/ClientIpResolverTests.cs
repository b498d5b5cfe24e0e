using System.Net;
using Gateway.ClientIdentity;
using Gateway.RateLimiting;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.ClientIdentity;

public sealed class ClientIpResolverTests
{
    private static readonly IPAddress s_proxy = IPAddress.Parse("10.0.0.5");
    private static readonly ClientIpResolver s_trusting = ClientIpResolver.From(["10.0.0.0/8", "192.168.1.1"]);

    [Fact]
    public void Resolve_UntrustedPeer_IgnoresForwardedFor()
    {
        var client = ClientIpResolver.From(["10.0.0.0/8"]).Resolve(IPAddress.Parse("203.0.113.9"), "1.2.3.4");
        Assert.Equal(IPAddress.Parse("203.0.113.9"), client);
    }

    [Theory]
    [InlineData("10.0.0.5", true)]
    [InlineData("::ffff:10.0.0.5", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("192.168.1.2", false)]
    [InlineData("203.0.113.9", false)]
    public void IsTrustedPeer_ByConfiguredNetworks(string peer, bool expected)
    {
        Assert.Equal(expected, s_trusting.IsTrustedPeer(IPAddress.Parse(peer)));
    }

    [Theory]
    [InlineData("::ffff:10.0.0.0/104", "10.0.0.5", true)]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.0.0.5", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.0.0.5", false)]
    [InlineData("::ffff:192.168.1.1/128", "192.168.1.1", true)]
    [InlineData("::ffff:0.0.0.0/96", "203.0.113.9", true)]
    public void IsTrustedPeer_NetworkWrittenIpv4Mapped_MatchesTheIpv4PeersItCovers(string cidr, string peer, bool expected)
    {
        // Peers are compared as IPv4 (a dual-stack listener reports them mapped), so a network written mapped must be too.
        Assert.Equal(expected, ClientIpResolver.From([cidr]).IsTrustedPeer(IPAddress.Parse(peer)));
    }

    [Fact]
    public void IsTrustedPeer_NoPeerOrNoTrustedProxies_IsFalse()
    {
        Assert.False(s_trusting.IsTrustedPeer(null));
        Assert.False(ClientIpResolver.None.IsTrustedPeer(s_proxy));
    }

    [Fact]
    public void Resolve_NoTrustedProxies_IgnoresForwardedFor()
    {
        Assert.Equal(s_proxy, ClientIpResolver.None.Resolve(s_proxy, "1.2.3.4"));
    }

    [Fact]
    public void Resolve_TrustedPeer_TakesRightmostUntrustedHop()
    {
        // The client forged 6.6.6.6; the trusted proxy appended the real peer 1.2.3.4.
        var client = s_trusting.Resolve(s_proxy, "6.6.6.6, 1.2.3.4, 10.1.1.1");
        Assert.Equal(IPAddress.Parse("1.2.3.4"), client);
    }

    [Fact]
    public void Resolve_SeveralHeaderLines_ReadAsOneList()
    {
        var client = s_trusting.Resolve(s_proxy, new StringValues(["6.6.6.6", "1.2.3.4", "192.168.1.1"]));
        Assert.Equal(IPAddress.Parse("1.2.3.4"), client);
    }

    [Fact]
    public void Resolve_AllHopsTrusted_TakesLeftmost()
    {
        Assert.Equal(IPAddress.Parse("10.9.9.9"), s_trusting.Resolve(s_proxy, "10.9.9.9, 10.1.1.1"));
    }

    [Fact]
    public void Resolve_Garbage_StopsAtLastTrustedHop()
    {
        Assert.Equal(IPAddress.Parse("10.1.1.1"), s_trusting.Resolve(s_proxy, "1.2.3.4, nonsense, 10.1.1.1"));
    }

    [Fact]
    public void Resolve_HopWithPortAndMappedPeer_Normalized()
    {
        var mappedProxy = s_proxy.MapToIPv6();
        Assert.Equal(IPAddress.Parse("1.2.3.4"), s_trusting.Resolve(mappedProxy, "1.2.3.4:5678"));
        Assert.Equal(IPAddress.Parse("2001:db8::1"), s_trusting.Resolve(s_proxy, "[2001:db8::1]:443"));
    }

    [Fact]
    public void Resolve_TrustedPeerWithoutHeader_IsThePeer()
    {
        Assert.Equal(s_proxy, s_trusting.Resolve(s_proxy, StringValues.Empty));
    }
}
