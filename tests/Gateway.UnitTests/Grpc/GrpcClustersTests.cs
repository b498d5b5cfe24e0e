using System.Net;
using Gateway.Configuration;
using Gateway.Grpc;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.UnitTests.Grpc;

public sealed class GrpcClustersTests
{
    private static ClusterConfig Cluster(string? protocol, ForwarderRequestConfig? request = null) => new()
    {
        ClusterId = "c",
        Metadata = protocol is null ? null : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Protocol"] = protocol },
        HttpRequest = request,
    };

    [Fact]
    public void ApplyProtocol_Grpc_SetsHttp2Exactly()
    {
        var cluster = GrpcClusters.ApplyProtocol(Cluster("GRPC", new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(5) }));

        Assert.Equal(HttpVersion.Version20, cluster.HttpRequest!.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, cluster.HttpRequest.VersionPolicy);
        Assert.Equal(TimeSpan.FromSeconds(5), cluster.HttpRequest.ActivityTimeout);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("http")]
    public void ApplyProtocol_NotGrpc_Unchanged(string? protocol)
    {
        var cluster = Cluster(protocol);

        Assert.Same(cluster, GrpcClusters.ApplyProtocol(cluster));
    }

    [Fact]
    public void Validate_UnknownProtocol_NamesKeyAndValues()
    {
        var errors = new ConfigErrorList();

        GrpcClusters.Validate(Cluster("h2"), "ReverseProxy:Clusters:c", errors);

        var error = Assert.Single(errors.Errors);
        Assert.Equal("ReverseProxy:Clusters:c:Metadata:Protocol", error.Path);
        Assert.Equal("must be one of http, grpc (was 'h2').", error.Reason);
    }

    [Fact]
    public void Validate_GrpcWithHttp11Version_Refused()
    {
        var errors = new ConfigErrorList();
        var cluster = GrpcClusters.ApplyProtocol(Cluster("grpc", new ForwarderRequestConfig { Version = HttpVersion.Version11 }));

        GrpcClusters.Validate(cluster, "ReverseProxy:Clusters:c", errors);

        var error = Assert.Single(errors.Errors);
        Assert.Equal("ReverseProxy:Clusters:c:Metadata:Protocol", error.Path);
        Assert.StartsWith("grpc sends HTTP/2 exactly; remove HttpRequest:Version (1.1)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GrpcAfterApply_Valid()
    {
        var errors = new ConfigErrorList();

        GrpcClusters.Validate(GrpcClusters.ApplyProtocol(Cluster("grpc")), "ReverseProxy:Clusters:c", errors);

        Assert.Empty(errors.Errors);
    }
}
