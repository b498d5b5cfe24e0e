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

    /// <summary>
    /// The feature's section of <c>Gateway</c> by its options type; features call
    /// <see cref="AppliedConfigExtensions.Section{T}(IAppliedConfig)"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The type is not a section of <c>Gateway</c>.</exception>
    object Section(Type sectionType);
}

internal static class AppliedConfigExtensions
{
    /// <summary>The feature's section of <c>Gateway</c>, e.g. <c>Section&lt;SheddingOptions&gt;()</c>.</summary>
    /// <remarks>
    /// An extension over a plain interface call rather than a generic interface method: a generic virtual call resolves
    /// its target through the runtime's dispatch helper on every call, and some steps ask once per request.
    /// </remarks>
    public static T Section<T>(this IAppliedConfig config)
        where T : class => (T)config.Section(typeof(T));
}
