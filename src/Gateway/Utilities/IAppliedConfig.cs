using Yarp.ReverseProxy.Configuration;

namespace Gateway.Utilities;

/// <summary>
/// One validated, applied configuration as the features read it: YARP's routes and clusters and each feature's own
/// section of <c>Gateway</c>, by its options type. Features see this, not how the configuration is loaded and
/// validated (Configuration/), so no feature folder depends on the folder that composes them all.
/// </summary>
internal interface IAppliedConfig
{
    /// <summary>Increases by one with every applied configuration.</summary>
    long Revision { get; }

    /// <summary>The routes as configured, <c>RateLimiterPolicy</c> included.</summary>
    IReadOnlyList<RouteConfig> Routes { get; }

    IReadOnlyList<ClusterConfig> Clusters { get; }

    /// <summary>The feature's section of <c>Gateway</c>, e.g. <c>Section&lt;SheddingOptions&gt;()</c>.</summary>
    T Section<T>()
        where T : class;
}
