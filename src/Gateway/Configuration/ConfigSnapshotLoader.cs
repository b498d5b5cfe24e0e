using Gateway.Configuration.Validators;
using Gateway.RateLimiting;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>Builds a candidate snapshot from configuration and validates it whole: YARP's rules and ours.</summary>
internal sealed class ConfigSnapshotLoader(IConfigValidator yarpValidator, GatewayListeners listeners)
{
    public async Task<(ConfigCandidate? Candidate, IReadOnlyList<ConfigError> Errors)> LoadAsync(IConfiguration configuration)
    {
        var errors = new ConfigErrorList();
        var (routes, clusters) = ProxyConfigReader.Read(configuration, errors);
        var gateway = GatewayOptionsReader.Read(configuration, errors);
        if (gateway is not null)
        {
            (routes, clusters) = ProxyConfigReader.ApplyGatewayDefaults(routes, clusters, gateway.Limits, gateway.Resilience);
            var gatewayErrors = GatewayOptionsValidator.Validate(gateway);
            errors.AddRange(gatewayErrors);
            if (!gatewayErrors.Any(e => e.Path == BoundAdminListenerValidator.Path))
            {
                BoundAdminListenerValidator.Validate(gateway.Admin, listeners, errors);
            }

            errors.AddRange(ProxyMetadataValidator.Validate(routes, clusters, gateway));
        }

        foreach (var route in routes)
        {
            foreach (var error in await yarpValidator.ValidateRouteAsync(ProxyConfigReader.ForYarp(route)))
            {
                errors.Add($"{ProxyConfigReader.SectionName}:Routes:{route.RouteId}", error.Message);
            }
        }

        foreach (var cluster in clusters)
        {
            foreach (var error in await yarpValidator.ValidateClusterAsync(cluster))
            {
                errors.Add($"{ProxyConfigReader.SectionName}:Clusters:{cluster.ClusterId}", error.Message);
            }
        }

        return errors.HasErrors || gateway is null
            ? (null, errors.Errors)
            : (new ConfigCandidate(routes, clusters, gateway), []);
    }
}

/// <summary>A configuration that passed validation and is ready to be applied.</summary>
internal sealed record ConfigCandidate(IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters, GatewayOptions Gateway);
