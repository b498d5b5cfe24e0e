using Gateway.Shedding;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Shedding;

public sealed class SharedDestinationsTests
{
    private static ClusterConfig Cluster(string id, params string[] addresses) => new()
    {
        ClusterId = id,
        Destinations = addresses.Select((a, i) => (Key: $"d{i}", Value: new DestinationConfig { Address = a }))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
    };

    [Fact]
    public void Of_ClustersOnTheSameInstance_NameTheAddressAndTheOtherClusterOnce()
    {
        var api = Cluster("api", "http://127.0.0.1:5101/", "http://127.0.0.1:5102/");
        var accounts = Cluster("accounts", "http://127.0.0.1:5101", "http://127.0.0.1:5102/");
        var billing = Cluster("billing", "http://127.0.0.1:6101/");

        var shared = SharedDestinations.Of(api, [api, accounts, billing]).ToList();

        // One warning per other cluster, however many addresses they share; a trailing slash is the same address.
        Assert.Equal([("http://127.0.0.1:5101/", "accounts")], shared);
    }

    [Fact]
    public void Of_DisjointClustersOrNoDestinations_Nothing()
    {
        var api = Cluster("api", "http://127.0.0.1:5101/");

        Assert.Empty(SharedDestinations.Of(api, [api, Cluster("billing", "http://127.0.0.1:6101/")]));
        Assert.Empty(SharedDestinations.Of(Cluster("empty"), [api, Cluster("empty")]));
    }
}
