namespace Gateway.Limits;

/// <summary>Defaults and allowed ranges of <c>Gateway:Limits</c>, and the header names the edge guards.</summary>
internal static class LimitsConstants
{
    public const string SectionPath = "Gateway:Limits";

    // Kestrel leaves connections unlimited. A bound turns a connection flood into refused connections instead of
    // exhausted file descriptors and memory; 10 000 is far above what one 2-core instance serves well.
    public const long DefaultMaxConcurrentConnections = 10_000;
    public const long MinConcurrentConnections = 1;
    public const long MaxConcurrentConnectionsLimit = 1_000_000;

    // New-connection rates are off by default: a sensible rate depends on the clients (one browser opens six, one
    // service mesh sidecar one), and the loopback load tests open thousands a second from one address.
    public const int MinNewConnectionsPerSecond = 0;
    public const int MaxNewConnectionsPerSecondLimit = 1_000_000;

    // PartitionedRateLimiter.Create replenishes its partitions from a 100 ms heartbeat, so token buckets refill in
    // whole multiples of it; the global bucket uses the same step so both limits behave alike.
    public static readonly TimeSpan ConnectionRateStep = TimeSpan.FromMilliseconds(100);

    // A storm rejects thousands of connections a second; one log line per reason per second keeps the log readable.
    public static readonly TimeSpan RejectionLogInterval = TimeSpan.FromSeconds(1);

    // Kestrel's 30 s lets a slowloris client hold a connection three times as long for the same bytes.
    public static readonly TimeSpan DefaultRequestHeadersTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MinRequestHeadersTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRequestHeadersTimeout = TimeSpan.FromMinutes(5);

    // Longer than the 60 s idle timeout of common load balancers in front (AWS ALB, nginx upstream keepalive),
    // so the balancer closes an idle connection first and never sends on one the gateway has just closed.
    public static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromSeconds(75);
    public static readonly TimeSpan MinKeepAliveTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxKeepAliveTimeout = TimeSpan.FromHours(1);

    // Kestrel's own defaults: 240 bytes/s after a 5 s grace period, which a mobile client on a bad link still makes.
    public const double DefaultMinDataRate = 240;
    public const double MinMinDataRate = 0;
    public const double MaxMinDataRate = 1_000_000;
    public static readonly TimeSpan DefaultMinDataRateGracePeriod = TimeSpan.FromSeconds(5);

    // Kestrel checks data rates once per second (its heartbeat) and refuses a grace period not longer than that;
    // two beats is the shortest that measures a rate at all.
    public static readonly TimeSpan MinMinDataRateGracePeriod = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxMinDataRateGracePeriod = TimeSpan.FromMinutes(1);

    public const int DefaultMaxRequestHeaderCount = 100;
    public const int MinRequestHeaderCount = 1;
    public const int MaxRequestHeaderCountLimit = 1000;

    public const int DefaultMaxRequestHeadersTotalSize = 32 * 1024;
    public const int MinRequestHeadersTotalSize = 1024;
    public const int MaxRequestHeadersTotalSizeLimit = 1024 * 1024;

    public const int DefaultMaxRequestLineSize = 8 * 1024;
    public const int MinRequestLineSize = 256;
    public const int MaxRequestLineSizeLimit = 64 * 1024;

    // An API gateway rarely carries uploads; Kestrel's ~28.6 MiB default buffers more than most APIs accept.
    public const long DefaultMaxRequestBodySize = 10 * 1024 * 1024;
    public const long MinRequestBodySize = 0;
    public const long MaxRequestBodySizeLimit = 4L * 1024 * 1024 * 1024;

    // A route's own MaxRequestBodySize may say "no limit", as YARP's -1 does; the gateway-wide default may not.
    public const long NoRequestBodySizeLimit = -1;

    public const int DefaultListenBacklog = 4096;

    // Below a few tens the kernel drops SYNs of an ordinary burst of new connections.
    public const int MinListenBacklog = 16;
    public const int MaxListenBacklog = 65535;

    // Measured about a tenth less CPU per proxied request (docs/benchmarks.md, socket completions).
    public const bool DefaultInlineSocketCompletions = true;

    public const int DefaultHttp2MaxStreamsPerConnection = 100;
    public const int MinHttp2MaxStreamsPerConnection = 1;
    public const int MaxHttp2MaxStreamsPerConnection = 1000;

    // A backend that does not accept a TCP connection within a few seconds is down for practical purposes; the
    // SocketsHttpHandler default is infinite, which only the 100 s activity timeout would end.
    public static readonly TimeSpan DefaultUpstreamConnectTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinUpstreamTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxUpstreamConnectTimeout = TimeSpan.FromMinutes(1);

    // Shorter than YARP's 100 s and equal to a resilience policy's default total timeout, so an idle hung backend
    // is given up on no later than a policy would.
    public static readonly TimeSpan DefaultUpstreamActivityTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxUpstreamActivityTimeout = TimeSpan.FromMinutes(10);

    public const string ProtocolsHttp1 = "Http1";

    // Cleartext HTTP/2 needs prior knowledge, and Kestrel serves it only on an HTTP/2-only endpoint (on a cleartext
    // Http1AndHttp2 endpoint it speaks HTTP/1.1 alone), so the choice is one or the other.
    public const string ProtocolsHttp2 = "Http2";

    /// <summary>Request headers the gateway sets for backends itself; a client's copies are removed.</summary>
    public const string InternalHeaderPrefix = "X-Gateway-";

    /// <summary>
    /// The client address as the gateway saw it (nginx's <c>proxy_set_header X-Real-IP $remote_addr</c>); kept as sent
    /// only from a trusted proxy.
    /// </summary>
    public const string RealIpHeader = "X-Real-IP";
}
