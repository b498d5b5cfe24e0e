using System.Net;
using Gateway.Utilities;

namespace Gateway.UnitTests.Utilities;

public sealed class ListenerAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://10.0.0.5:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://0.0.0.0:8080", false)]
    public void ParseList_KnowsWhichAddressesAreLoopback(string url, bool loopback)
    {
        var address = Assert.Single(ListenerAddress.ParseList(url, out var error)!);
        Assert.Null(error);
        Assert.Equal(8080, address.Port);
        Assert.Equal(loopback, address.IsLoopback);
    }

    [Fact]
    public void ParseList_SeveralUrls_KeepsOrder()
    {
        var addresses = ListenerAddress.ParseList("http://127.0.0.1:1; http://[::1]:2/", out _)!;
        Assert.Equal([1, 2], addresses.Select(a => a.Port));
        Assert.Equal(IPAddress.IPv6Loopback, addresses[1].Address);
    }

    [Theory]
    [InlineData("http://localhost:0")]
    [InlineData("http://127.0.0.1:70000")]
    [InlineData("http://host.example:80")]
    public void ParseList_Unusable_ReturnsNullWithReason(string url)
    {
        Assert.Null(ListenerAddress.ParseList(url, out var error));
        Assert.Contains(url, error, StringComparison.Ordinal);
    }
}
