using Gateway.Limits;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Limits</c>.</summary>
internal static class LimitsValidator
{
    private const string Path = LimitsConstants.SectionPath;

    public static void Validate(LimitsOptions limits, ConfigErrorList errors)
    {
        errors.RequireRange($"{Path}:MaxConcurrentConnections", limits.MaxConcurrentConnections, LimitsConstants.MinConcurrentConnections, LimitsConstants.MaxConcurrentConnectionsLimit);
        RequireConnectionRate($"{Path}:MaxNewConnectionsPerSecond", limits.MaxNewConnectionsPerSecond, errors);
        RequireConnectionRate($"{Path}:MaxNewConnectionsPerSecondPerClient", limits.MaxNewConnectionsPerSecondPerClient, errors);
        errors.RequireRange($"{Path}:RequestHeadersTimeout", limits.RequestHeadersTimeout, LimitsConstants.MinRequestHeadersTimeout, LimitsConstants.MaxRequestHeadersTimeout);
        errors.RequireRange($"{Path}:KeepAliveTimeout", limits.KeepAliveTimeout, LimitsConstants.MinKeepAliveTimeout, LimitsConstants.MaxKeepAliveTimeout);
        errors.RequireRange($"{Path}:MinRequestBodyDataRate", limits.MinRequestBodyDataRate, LimitsConstants.MinMinDataRate, LimitsConstants.MaxMinDataRate);
        errors.RequireRange($"{Path}:MinResponseDataRate", limits.MinResponseDataRate, LimitsConstants.MinMinDataRate, LimitsConstants.MaxMinDataRate);
        errors.RequireRange($"{Path}:MinDataRateGracePeriod", limits.MinDataRateGracePeriod, LimitsConstants.MinMinDataRateGracePeriod, LimitsConstants.MaxMinDataRateGracePeriod);
        errors.RequireRange($"{Path}:MaxRequestHeaderCount", limits.MaxRequestHeaderCount, LimitsConstants.MinRequestHeaderCount, LimitsConstants.MaxRequestHeaderCountLimit);
        errors.RequireRange($"{Path}:MaxRequestHeadersTotalSize", limits.MaxRequestHeadersTotalSize, LimitsConstants.MinRequestHeadersTotalSize, LimitsConstants.MaxRequestHeadersTotalSizeLimit);
        errors.RequireRange($"{Path}:MaxRequestLineSize", limits.MaxRequestLineSize, LimitsConstants.MinRequestLineSize, LimitsConstants.MaxRequestLineSizeLimit);
        errors.RequireRange($"{Path}:MaxRequestBodySize", limits.MaxRequestBodySize, LimitsConstants.MinRequestBodySize, LimitsConstants.MaxRequestBodySizeLimit);
        errors.RequireRange($"{Path}:ListenBacklog", limits.ListenBacklog, LimitsConstants.MinListenBacklog, LimitsConstants.MaxListenBacklog);
        errors.RequireRange($"{Path}:Http2MaxStreamsPerConnection", limits.Http2MaxStreamsPerConnection, LimitsConstants.MinHttp2MaxStreamsPerConnection, LimitsConstants.MaxHttp2MaxStreamsPerConnection);
        if (!string.Equals(limits.Protocols, LimitsConstants.ProtocolsHttp1, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(limits.Protocols, LimitsConstants.ProtocolsHttp2, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Path}:Protocols", $"must be '{LimitsConstants.ProtocolsHttp1}' or '{LimitsConstants.ProtocolsHttp2}' (was '{limits.Protocols}').");
        }

        errors.RequireRange($"{Path}:UpstreamConnectTimeout", limits.UpstreamConnectTimeout, LimitsConstants.MinUpstreamTimeout, LimitsConstants.MaxUpstreamConnectTimeout);
        errors.RequireRange($"{Path}:UpstreamActivityTimeout", limits.UpstreamActivityTimeout, LimitsConstants.MinUpstreamTimeout, LimitsConstants.MaxUpstreamActivityTimeout);
    }

    private static void RequireConnectionRate(string path, int value, ConfigErrorList errors)
    {
        if (value is < LimitsConstants.MinNewConnectionsPerSecond or > LimitsConstants.MaxNewConnectionsPerSecondLimit)
        {
            errors.Add(path, $"must be between {LimitsConstants.MinNewConnectionsPerSecond} (off) and {LimitsConstants.MaxNewConnectionsPerSecondLimit} new connections per second (was {value}).");
        }
    }
}
