using Gateway.Utilities;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Limits;

/// <summary>
/// YARP's client factory with a connect timeout: <c>SocketsHttpHandler</c> waits forever for a TCP connection by
/// default, and YARP's cluster schema has no key for it, so a black-holed destination held requests until the
/// activity timeout. The timeout is read when a cluster's client is built: at start-up and when the cluster changes.
/// </summary>
internal sealed class UpstreamHttpClientFactory(IConfigSource config, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = config.Current.Section<LimitsOptions>().UpstreamConnectTimeout;
    }
}
