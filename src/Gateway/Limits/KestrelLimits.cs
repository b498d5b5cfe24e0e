using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Limits;

/// <summary>Applies <c>Gateway:Limits</c> to Kestrel. Kestrel reads its options once, so these are start-up only.</summary>
internal static class KestrelLimits
{
    public static void Apply(KestrelServerOptions kestrel, LimitsOptions options)
    {
        kestrel.AddServerHeader = false;
        var limits = kestrel.Limits;
        // Connections are capped per proxy listener by ProxyConnectionLimit instead (see there why).
        limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
        limits.KeepAliveTimeout = options.KeepAliveTimeout;
        limits.MinRequestBodyDataRate = Rate(options.MinRequestBodyDataRate, options.MinDataRateGracePeriod);
        limits.MinResponseDataRate = Rate(options.MinResponseDataRate, options.MinDataRateGracePeriod);
        limits.MaxRequestHeaderCount = options.MaxRequestHeaderCount;
        limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersTotalSize;
        limits.MaxRequestLineSize = options.MaxRequestLineSize;
        limits.MaxRequestBodySize = options.MaxRequestBodySize;
        limits.Http2.MaxStreamsPerConnection = options.Http2MaxStreamsPerConnection;
    }

    public static HttpProtocols Protocols(LimitsOptions options) =>
        string.Equals(options.Protocols, LimitsConstants.ProtocolsHttp2, StringComparison.OrdinalIgnoreCase)
            ? HttpProtocols.Http2
            : HttpProtocols.Http1;

    private static MinDataRate? Rate(double bytesPerSecond, TimeSpan gracePeriod) =>
        bytesPerSecond > 0 ? new MinDataRate(bytesPerSecond, gracePeriod) : null;
}
