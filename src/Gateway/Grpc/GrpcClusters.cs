using System.Net;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Grpc;

/// <summary>
/// A cluster's <c>Metadata.Protocol</c>: <c>grpc</c> stands for the two YARP settings a gRPC backend needs, so that
/// nobody has to know that YARP otherwise sends HTTP/1.1 to an <c>http://</c> destination, which a gRPC server refuses.
/// </summary>
internal static class GrpcClusters
{
    private static readonly string[] s_protocols = [GrpcConstants.ProtocolHttp, GrpcConstants.ProtocolGrpc];

    public static bool IsGrpc(ClusterConfig cluster) =>
        cluster.Metadata?.TryGetValue(GrpcConstants.ProtocolMetadataKey, out var protocol) == true &&
        string.Equals(protocol, GrpcConstants.ProtocolGrpc, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// For a gRPC cluster, fills in <c>HttpRequest:Version</c> 2 and <c>VersionPolicy</c> RequestVersionExact where
    /// the cluster leaves them unset; values it sets are kept (and checked by <see cref="Validate"/>).
    /// </summary>
    public static ClusterConfig ApplyProtocol(ClusterConfig cluster)
    {
        if (!IsGrpc(cluster))
        {
            return cluster;
        }

        var request = cluster.HttpRequest ?? new ForwarderRequestConfig();
        return cluster with
        {
            HttpRequest = request with
            {
                Version = request.Version ?? HttpVersion.Version20,
                VersionPolicy = request.VersionPolicy ?? HttpVersionPolicy.RequestVersionExact,
            },
        };
    }

    /// <summary>Checks <c>Metadata.Protocol</c> and that a gRPC cluster's own HttpRequest settings do not contradict it.</summary>
    public static void Validate(ClusterConfig cluster, string path, ConfigErrorList errors)
    {
        if (cluster.Metadata?.TryGetValue(GrpcConstants.ProtocolMetadataKey, out var protocol) != true)
        {
            return;
        }

        var key = $"{path}:Metadata:{GrpcConstants.ProtocolMetadataKey}";
        if (!s_protocols.Contains(protocol, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(key, $"must be one of {string.Join(", ", s_protocols)} (was '{protocol}').");
            return;
        }

        if (IsGrpc(cluster) && cluster.HttpRequest is { } request &&
            (request.Version != HttpVersion.Version20 || request.VersionPolicy != HttpVersionPolicy.RequestVersionExact))
        {
            errors.Add(
                key,
                $"grpc sends HTTP/2 exactly; remove HttpRequest:Version ({request.Version}) and HttpRequest:VersionPolicy ({request.VersionPolicy}) or set them to 2 and RequestVersionExact.");
        }
    }
}
