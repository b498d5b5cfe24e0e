using Gateway.Failover;
using Gateway.Limits;
using Gateway.Resilience;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validators;

/// <summary>
/// Checks what ties YARP's routes and clusters to the <c>Gateway</c> section: policy names, regions, priorities,
/// and the references between routes and clusters that YARP itself only warns about.
/// </summary>
internal static class ProxyMetadataValidator
{
    public const string PriorityMetadataKey = Shedding.SheddingConstants.PriorityMetadataKey;

    private static readonly string[] s_priorities = [Shedding.SheddingConstants.Critical, Shedding.SheddingConstants.Default, Shedding.SheddingConstants.Sheddable];

    public static IReadOnlyList<ConfigError> Validate(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, GatewayOptions gateway)
    {
        var errors = new ConfigErrorList();
        var clusterIds = new HashSet<string>(clusters.Select(c => c.ClusterId), StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            var path = $"{ProxyConfigReader.SectionName}:Routes:{route.RouteId}";
            if (string.IsNullOrEmpty(route.ClusterId))
            {
                errors.Add($"{path}:ClusterId", "is required.");
            }
            else if (!clusterIds.Contains(route.ClusterId))
            {
                errors.Add($"{path}:ClusterId", $"cluster '{route.ClusterId}' does not exist under ReverseProxy:Clusters.");
            }

            RateLimitingValidator.ValidateRoute(path, route, gateway, errors);
            IdentityValidator.ValidateRoute(path, route, gateway, errors);
            // YARP takes any value; -1 means no limit there, which the gateway allows only explicitly.
            if (route.MaxRequestBodySize is { } bodySize &&
                bodySize != LimitsConstants.NoRequestBodySizeLimit &&
                (bodySize < LimitsConstants.MinRequestBodySize || bodySize > LimitsConstants.MaxRequestBodySizeLimit))
            {
                errors.Add(
                    $"{path}:MaxRequestBodySize",
                    $"must be between {LimitsConstants.MinRequestBodySize} and {LimitsConstants.MaxRequestBodySizeLimit} bytes, or {LimitsConstants.NoRequestBodySizeLimit} for no limit (was {bodySize}).");
            }

            ValidateRouteTimeout(route, path, clusters, errors);
            WebSocketsValidator.ValidateRoute(path, route.Metadata, errors);
            if (route.Metadata?.TryGetValue(PriorityMetadataKey, out var priority) == true &&
                !s_priorities.Contains(priority, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{path}:Metadata:{PriorityMetadataKey}", $"must be one of {string.Join(", ", s_priorities)} (was '{priority}').");
            }

            if (route.Metadata?.TryGetValue(AccessLog.AccessLogConstants.RouteMetadataKey, out var logged) == true && !bool.TryParse(logged, out _))
            {
                errors.Add($"{path}:Metadata:{AccessLog.AccessLogConstants.RouteMetadataKey}", $"must be true or false (was '{logged}').");
            }
        }

        foreach (var cluster in clusters)
        {
            ValidateCluster(cluster, gateway, errors);
        }

        return errors.Errors;
    }

    /// <summary>A route's <c>Metadata.Timeout</c> overrides its cluster's resilience policy timeout, so it needs one.</summary>
    private static void ValidateRouteTimeout(RouteConfig route, string path, IReadOnlyList<ClusterConfig> clusters, ConfigErrorList errors)
    {
        if (route.Metadata?.TryGetValue(ResilienceConstants.RouteTimeoutMetadataKey, out var text) != true)
        {
            return;
        }

        var key = $"{path}:Metadata:{ResilienceConstants.RouteTimeoutMetadataKey}";
        if (!TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var timeout))
        {
            errors.Add(key, $"must be a duration hh:mm:ss[.fff] (was '{text}').");
            return;
        }

        errors.RequireRange(key, timeout, ResilienceConstants.MinTimeout, ResilienceConstants.MaxTimeout);
        var cluster = clusters.FirstOrDefault(c => string.Equals(c.ClusterId, route.ClusterId, StringComparison.OrdinalIgnoreCase));
        if (cluster is not null && cluster.Metadata?.ContainsKey(ResilienceConstants.PolicyMetadataKey) != true)
        {
            errors.Add(key, $"needs a resilience policy on cluster '{route.ClusterId}' (Metadata.{ResilienceConstants.PolicyMetadataKey}); the timeout overrides that policy's Timeout.");
        }
    }

    private static void ValidateCluster(ClusterConfig cluster, GatewayOptions gateway, ConfigErrorList errors)
    {
        var path = $"{ProxyConfigReader.SectionName}:Clusters:{cluster.ClusterId}";
        FailoverPolicyOptions? failover = null;
        string? failoverName = null;
        if (cluster.Metadata?.TryGetValue(FailoverConstants.PolicyMetadataKey, out failoverName) == true &&
            !gateway.Failover.Policies.TryGetValue(failoverName, out failover))
        {
            errors.Add($"{path}:Metadata:{FailoverConstants.PolicyMetadataKey}", $"policy '{failoverName}' does not exist under Gateway:Failover:Policies.");
        }

        if (cluster.Metadata?.TryGetValue(ResilienceConstants.PolicyMetadataKey, out var resilienceName) == true &&
            !gateway.Resilience.Policies.ContainsKey(resilienceName))
        {
            errors.Add($"{path}:Metadata:{ResilienceConstants.PolicyMetadataKey}", $"policy '{resilienceName}' does not exist under Gateway:Resilience:Policies.");
        }

        Grpc.GrpcClusters.Validate(cluster, path, errors);
        foreach (var (id, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
        {
            var destinationPath = $"{path}:Destinations:{id}";
            if (!Uri.TryCreate(destination.Address, UriKind.Absolute, out var address) ||
                (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{destinationPath}:Address", $"must be an absolute http or https URL (was '{destination.Address}').");
            }

            string? region = null;
            destination.Metadata?.TryGetValue(FailoverConstants.RegionMetadataKey, out region);
            if (failover is null)
            {
                continue;
            }

            if (string.IsNullOrEmpty(region))
            {
                errors.Add($"{destinationPath}:Metadata:{FailoverConstants.RegionMetadataKey}", $"is required: the cluster's failover policy '{failoverName}' routes by region.");
            }
            else if (!failover.Regions.Contains(region, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{destinationPath}:Metadata:{FailoverConstants.RegionMetadataKey}", $"region '{region}' is not in failover policy '{failoverName}' (Regions: {string.Join(", ", failover.Regions)}).");
            }
        }
    }
}
