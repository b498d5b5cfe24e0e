using System.Net;
using Gateway.ClientIdentity;
using Gateway.Configuration;
using Gateway.Configuration.Validators;
using Gateway.Limits;
using Gateway.RateLimiting;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.UnitTests.Issues;

/// <summary>
/// Issue 17, item 9: per-client rate limits and the per-client connection rate keyed on the full IPv6 /128, so a
/// client holding a /64 (the usual smallest assignment) had 2^64 buckets. IPv6 clients are grouped by prefix
/// (<c>Gateway:ClientIdentity:Ipv6PrefixLength</c>, default 64); IPv4 stays per address.
/// </summary>
public sealed class Ipv6ClientPerAddressTests
{
    private static readonly RouteModel Route = new(new RouteConfig { RouteId = "r" }, cluster: null, HttpTransformer.Empty);

    private static string PartitionOf(string address, ClientIpResolver resolver)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return PartitionKey.Parse("ClientIp")!.Resolve(context, resolver, Route);
    }

    [Fact]
    public void ClientIpPartition_SameIpv6Slash64_IsOneBucket() =>
        Assert.Equal(PartitionOf("2001:db8:1:2::1", ClientIpResolver.None), PartitionOf("2001:db8:1:2:ffff:abcd:1234:5678", ClientIpResolver.None));

    [Fact]
    public void ClientIpPartition_OtherIpv6Slash64OrIpv4Address_IsAnotherBucket()
    {
        Assert.NotEqual(PartitionOf("2001:db8:1:2::1", ClientIpResolver.None), PartitionOf("2001:db8:1:3::1", ClientIpResolver.None));
        Assert.NotEqual(PartitionOf("192.0.2.1", ClientIpResolver.None), PartitionOf("192.0.2.2", ClientIpResolver.None));
        Assert.Equal("192.0.2.1", PartitionOf("::ffff:192.0.2.1", ClientIpResolver.None));
    }

    [Theory]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("2001:db8:1:2:ffff:abcd:1234:5678", "2001:db8:1:2::")]
    public void ClientIpPartition_SameConnectionsPeer_TextFormattedOnce(string address, string expected)
    {
        // Behind a dual-stack listener every IPv4 client is IPv4-mapped: its key must not be a new string per request.
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        var key = PartitionKey.Parse("ClientIp")!;

        var first = key.Resolve(context, ClientIpResolver.None, Route);
        var second = key.Resolve(context, ClientIpResolver.None, Route);

        Assert.Equal(expected, first);
        Assert.Same(first, second);
    }

    [Fact]
    public void ClientIpPartition_TrustedProxyPeer_StillReadsForwardedForPerRequest()
    {
        var resolver = ClientIpResolver.From(["10.0.0.0/8"]);
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:10.0.0.5");
        var key = PartitionKey.Parse("ClientIp")!;

        context.Request.Headers["X-Forwarded-For"] = "2001:db8:1:2::1";
        Assert.Equal("2001:db8:1:2::", key.Resolve(context, resolver, Route));
        context.Request.Headers["X-Forwarded-For"] = "192.0.2.7";
        Assert.Equal("192.0.2.7", key.Resolve(context, resolver, Route));
    }

    [Fact]
    public void ClientIpPartition_ConfiguredPrefix_GroupsByIt()
    {
        var slash48 = ClientIpResolver.From([], ipv6PrefixLength: 48);
        var slash128 = ClientIpResolver.From([], ipv6PrefixLength: 128);

        Assert.Equal(PartitionOf("2001:db8:1:2::1", slash48), PartitionOf("2001:db8:1:ffff::1", slash48));
        Assert.NotEqual(PartitionOf("2001:db8:1::1", slash48), PartitionOf("2001:db8:2::1", slash48));
        Assert.NotEqual(PartitionOf("2001:db8:1:2::1", slash128), PartitionOf("2001:db8:1:2::2", slash128));
    }

    [Fact]
    public void ConnectionRate_PerClient_CountsAnIpv6Slash64AsOneClient()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions { MaxNewConnectionsPerSecondPerClient = 1 });

        Assert.Equal(ConnectionRejection.None, limiter.Admit(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.Equal(ConnectionRejection.ClientConnectionRate, limiter.Admit(IPAddress.Parse("2001:db8:1:2::2")));
        Assert.Equal(ConnectionRejection.None, limiter.Admit(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void ConnectionRate_Prefix128_CountsEachAddress()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions { MaxNewConnectionsPerSecondPerClient = 1 }, config: null, ipv6PrefixLength: 128);

        Assert.Equal(ConnectionRejection.None, limiter.Admit(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.Equal(ConnectionRejection.None, limiter.Admit(IPAddress.Parse("2001:db8:1:2::2")));
    }

    [Fact]
    public void Ipv6PrefixLength_DefaultAndBounds_AreValid()
    {
        Assert.Equal(64, new ClientIdentityOptions().Ipv6PrefixLength);
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { ClientIdentity = new ClientIdentityOptions { Ipv6PrefixLength = 32 } }));
        Assert.Empty(GatewayOptionsValidator.Validate(new GatewayOptions { ClientIdentity = new ClientIdentityOptions { Ipv6PrefixLength = 128 } }));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(129)]
    public void Ipv6PrefixLength_OutOfRange_NamesTheRange(int prefix)
    {
        var error = Assert.Single(GatewayOptionsValidator.Validate(new GatewayOptions { ClientIdentity = new ClientIdentityOptions { Ipv6PrefixLength = prefix } }));

        Assert.Equal("Gateway:ClientIdentity:Ipv6PrefixLength", error.Path);
        Assert.Equal($"must be between 32 and 128 (was {prefix}).", error.Reason);
    }
}
