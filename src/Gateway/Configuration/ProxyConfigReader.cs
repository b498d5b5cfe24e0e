using System.Security.Authentication;
using System.Text.RegularExpressions;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Reads the <c>ReverseProxy</c> section in YARP's own schema into YARP's records. YARP's reader is internal, so
/// this binds the records directly, strictly: an unknown key (a typo) is an error instead of a silent default.
/// </summary>
internal static partial class ProxyConfigReader
{
    public const string SectionName = "ReverseProxy";

    private static readonly string[] s_topLevelKeys = ["Routes", "Clusters"];

    // Keys whose YARP schema the binder cannot read (an array of enum names; "2" as a version), read by hand.
    private const string SslProtocolsKey = "HttpClient:SslProtocols";
    private const string VersionKey = "HttpRequest:Version";

    internal const string DefaultAvailableDestinationsPolicy = "HealthyAndUnknown";

    /// <summary>
    /// What YARP is given: the routes without the fields the gateway applies itself, <c>RateLimiterPolicy</c> and
    /// <c>AuthorizationPolicy</c> (YARP would hand them to ASP.NET Core middleware this gateway does not run).
    /// </summary>
    public static IReadOnlyList<RouteConfig> ForYarp(IReadOnlyList<RouteConfig> routes)
    {
        var any = false;
        foreach (var route in routes)
        {
            any |= route.RateLimiterPolicy is not null || route.AuthorizationPolicy is not null;
        }

        if (!any)
        {
            return routes;
        }

        var stripped = new RouteConfig[routes.Count];
        for (var i = 0; i < routes.Count; i++)
        {
            stripped[i] = ForYarp(routes[i]);
        }

        return stripped;
    }

    /// <inheritdoc cref="ForYarp(IReadOnlyList{RouteConfig})"/>
    public static RouteConfig ForYarp(RouteConfig route) => Identity.IdentityRoutes.ForYarp(RateLimiting.RateLimitingRoutes.ForYarp(route));

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Read(IConfiguration root, ConfigErrorList errors)
    {
        var section = root.GetSection(SectionName);
        foreach (var child in section.GetChildren())
        {
            if (!s_topLevelKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(child.Path, "unknown key; ReverseProxy holds only Routes and Clusters.");
            }
        }

        var routes = new List<RouteConfig>();
        foreach (var child in section.GetSection("Routes").GetChildren())
        {
            var route = Bind<RouteConfig>(child, child, errors);
            if (route is not null)
            {
                routes.Add(route with { RouteId = child.Key, Metadata = IgnoreCase(route.Metadata) });
            }
        }

        var clusters = new List<ClusterConfig>();
        foreach (var child in section.GetSection("Clusters").GetChildren())
        {
            var cluster = ReadCluster(child, errors);
            if (cluster is not null)
            {
                clusters.Add(cluster);
            }
        }

        return (routes, clusters);
    }

    /// <summary>
    /// Fills in the edge defaults YARP would otherwise take from itself: a route's <c>MaxRequestBodySize</c> (else
    /// Kestrel's start-up value), a cluster's <c>HttpRequest:ActivityTimeout</c> (else YARP's 100 s): its resilience
    /// policy's <c>IdleTimeout</c>, else <c>Gateway:Limits:UpstreamActivityTimeout</c>, and, for a cluster with
    /// <c>Metadata.Protocol</c> grpc, its HTTP/2 version settings. Values a route or cluster sets are kept.
    /// </summary>
    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) ApplyGatewayDefaults(
        IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, Limits.LimitsOptions limits, Resilience.ResilienceOptions? resilience = null)
    {
        var withBodyLimit = new List<RouteConfig>(routes.Count);
        foreach (var route in routes)
        {
            withBodyLimit.Add(route.MaxRequestBodySize is null ? route with { MaxRequestBodySize = limits.MaxRequestBodySize } : route);
        }

        var withTimeout = new List<ClusterConfig>(clusters.Count);
        foreach (var declared in clusters)
        {
            var cluster = Grpc.GrpcClusters.ApplyProtocol(declared);
            var request = cluster.HttpRequest ?? new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig();
            withTimeout.Add(request.ActivityTimeout is null
                ? cluster with { HttpRequest = request with { ActivityTimeout = PolicyIdleTimeout(cluster, resilience) ?? limits.UpstreamActivityTimeout } }
                : cluster);
        }

        return (withBodyLimit, withTimeout);
    }

    private static TimeSpan? PolicyIdleTimeout(ClusterConfig cluster, Resilience.ResilienceOptions? resilience) =>
        resilience is not null &&
        cluster.Metadata?.TryGetValue(Resilience.ResilienceConstants.PolicyMetadataKey, out var name) == true &&
        resilience.Policies.TryGetValue(name, out var policy)
            ? policy.IdleTimeout
            : null;

    private static ClusterConfig? ReadCluster(IConfigurationSection section, ConfigErrorList errors)
    {
        var bindable = new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable(makePathsRelative: true)
                .Where(kv => !IsUnder(kv.Key, SslProtocolsKey) && !IsUnder(kv.Key, VersionKey)))
            .Build();
        var cluster = Bind<ClusterConfig>(bindable, section, errors);
        if (cluster is null)
        {
            return null;
        }

        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
        {
            destinations[id] = destination with { Metadata = IgnoreCase(destination.Metadata) };
        }

        cluster = cluster with
        {
            ClusterId = section.Key,
            Destinations = destinations,
            Metadata = IgnoreCase(cluster.Metadata),
        };

        // YARP's default, HealthyOrPanic, sends to every destination once all are unhealthy: a wall of connect
        // errors instead of a fast 503. The gateway refuses instead; the panic threshold is its own, per cluster.
        var health = cluster.HealthCheck ?? new HealthCheckConfig();
        if (health.AvailableDestinationsPolicy is null)
        {
            health = health with { AvailableDestinationsPolicy = DefaultAvailableDestinationsPolicy };
        }

        // Outlier ejection is on unless a cluster says otherwise: a resilient default, like Envoy's outlier detection.
        if (health.Passive is null)
        {
            health = health with { Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = Health.HealthConstants.OutlierDetectionPolicyName } };
        }
        else if (health.Passive is { Enabled: true, Policy: null })
        {
            health = health with { Passive = health.Passive with { Policy = Health.HealthConstants.OutlierDetectionPolicyName } };
        }

        cluster = cluster with { HealthCheck = health };

        var ssl = ReadSslProtocols(section.GetSection(SslProtocolsKey), errors);
        if (ssl is not null)
        {
            cluster = cluster with { HttpClient = (cluster.HttpClient ?? new HttpClientConfig()) with { SslProtocols = ssl } };
        }

        var version = ReadVersion(section.GetSection(VersionKey), errors);
        if (version is not null)
        {
            cluster = cluster with { HttpRequest = (cluster.HttpRequest ?? new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig()) with { Version = version } };
        }

        return cluster;
    }

    private static T? Bind<T>(IConfiguration source, IConfigurationSection reportAs, ConfigErrorList errors)
        where T : class
    {
        try
        {
            return source.Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? Activator.CreateInstance<T>();
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(reportAs.Path, Explain(ex.Message));
            return null;
        }
    }

    private static SslProtocols? ReadSslProtocols(IConfigurationSection section, ConfigErrorList errors)
    {
        var names = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (names.Length == 0)
        {
            return null;
        }

        var result = SslProtocols.None;
        foreach (var name in names)
        {
            if (!Enum.TryParse<SslProtocols>(name, ignoreCase: true, out var value) || int.TryParse(name, out _))
            {
                errors.Add(section.Path, $"'{name}' is not an SslProtocols name (Tls12, Tls13).");
                return null;
            }

            result |= value;
        }

        return result;
    }

    private static Version? ReadVersion(IConfigurationSection section, ConfigErrorList errors)
    {
        if (section.Value is not { Length: > 0 } text)
        {
            return null;
        }

        // YARP's schema writes "2" for HTTP/2; Version.Parse needs "2.0".
        if (Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version) &&
            version is { Major: 1, Minor: 0 or 1 } or { Major: 2 or 3, Minor: 0 })
        {
            return version;
        }

        errors.Add(section.Path, $"'{text}' is not an HTTP version (1.0, 1.1, 2 or 3).");
        return null;
    }

    private static bool IsUnder(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
        (key.Length == prefix.Length || key[prefix.Length] == ':');

    private static Dictionary<string, string>? IgnoreCase(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is null ? null : new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);

    private static string Explain(string binderMessage)
    {
        var unknown = UnknownKeys().Match(binderMessage);
        return unknown.Success
            ? $"unknown key(s) {unknown.Groups["keys"].Value} in {unknown.Groups["type"].Value.Split('.')[^1]}; check the spelling against YARP's schema."
            : binderMessage;
    }

    [GeneratedRegex("not found on the instance of (?<type>[\\w.`\\[\\]]+): (?<keys>.+)$")]
    private static partial Regex UnknownKeys();
}
