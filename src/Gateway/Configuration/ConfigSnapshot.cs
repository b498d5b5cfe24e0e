using System.Collections.Frozen;
using Gateway.Utilities;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// One validated, immutable configuration: YARP's routes and clusters together with the <c>Gateway</c> section
/// they reference. Swapped whole on reload, so a reader never sees a route from one edit and a policy from another.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A CancellationTokenSource without a timer holds no unmanaged resource; the token must outlive any reader.")]
public sealed class ConfigSnapshot : IProxyConfig, IAppliedConfig
{
    private readonly CancellationTokenSource _superseded = new();
    private readonly IReadOnlyList<RouteConfig> _proxyRoutes;
    private readonly FrozenDictionary<Type, object> _sections;

    internal ConfigSnapshot(long revision, IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, GatewayOptions gateway, DateTimeOffset appliedAt)
    {
        Revision = revision;
        Routes = routes;
        _proxyRoutes = ProxyConfigReader.ForYarp(routes);
        Clusters = clusters;
        Gateway = gateway;
        _sections = SectionsOf(gateway);
        AppliedAt = appliedAt;
        ChangeToken = new CancellationChangeToken(_superseded.Token);
    }

    /// <summary>Increases by one with every applied configuration.</summary>
    public long Revision { get; }

    /// <summary>The routes as configured, <c>RateLimiterPolicy</c> included.</summary>
    public IReadOnlyList<RouteConfig> Routes { get; }

    /// <summary>What YARP runs: the routes without <c>RateLimiterPolicy</c> and <c>AuthorizationPolicy</c>, which the gateway applies itself.</summary>
    IReadOnlyList<RouteConfig> IProxyConfig.Routes => _proxyRoutes;

    public IReadOnlyList<ClusterConfig> Clusters { get; }

    public GatewayOptions Gateway { get; }

    public DateTimeOffset AppliedAt { get; }

    /// <summary>Fires when a newer snapshot replaces this one (YARP listens to it).</summary>
    public IChangeToken ChangeToken { get; }

    string IProxyConfig.RevisionId => Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal void MarkSuperseded() => _superseded.Cancel();

    /// <summary>The feature's section of <c>Gateway</c>, e.g. <c>Section&lt;SheddingOptions&gt;()</c>.</summary>
    public T Section<T>()
        where T : class => (T)Section(typeof(T));

    /// <inheritdoc/>
    public object Section(Type sectionType) =>
        _sections.TryGetValue(sectionType, out var section)
            ? section
            : throw new InvalidOperationException($"{sectionType.Name} is not a section of {GatewayOptions.SectionName}.");

    // Each section's options type appears once in GatewayOptions, so the type names the section.
    private static FrozenDictionary<Type, object> SectionsOf(GatewayOptions gateway)
    {
        var sections = new Dictionary<Type, object>();
        foreach (var property in typeof(GatewayOptions).GetProperties())
        {
            if (property.GetValue(gateway) is { } value)
            {
                sections.Add(property.PropertyType, value);
            }
        }

        return sections.ToFrozenDictionary();
    }
}
