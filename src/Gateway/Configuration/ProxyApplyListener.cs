using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration;

/// <summary>
/// Learns when YARP has actually switched to a snapshot (its route table is rebuilt a moment after the swap), so
/// <c>/admin/config</c> can show the revision the proxy runs, and a snapshot YARP could not apply is logged.
/// </summary>
internal sealed class ProxyApplyListener(ConfigSnapshotSource source, ILogger<ProxyApplyListener> logger) : IConfigChangeListener
{
    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        foreach (var config in proxyConfigs)
        {
            if (config is ConfigSnapshot snapshot)
            {
                source.MarkProxyApplied(snapshot.Revision);
            }
        }
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception) =>
        Log.ProxyApplyFailed(logger, exception);

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception) =>
        Log.ProxyApplyFailed(logger, exception);
}
