namespace Gateway.Limits;

/// <summary>
/// What the gateway allows a client and waits for a backend: <c>Gateway:Limits</c>. Kestrel's limits
/// (connections, timeouts, data rates, header and line sizes, HTTP/2 streams, protocols) are read once at start-up;
/// a change is validated on reload but needs a restart. The body size and upstream timeouts are applied to YARP's
/// routes and clusters with every reload, and the new-connection rates replace their limiters.
/// </summary>
public sealed record LimitsOptions
{
    /// <summary>
    /// Connections open at once on the proxy listener(s); a connection over the limit is closed at once. Default
    /// 10000, range 1 to 1000000. Start-up only.
    /// </summary>
    public long MaxConcurrentConnections { get; init; } = LimitsConstants.DefaultMaxConcurrentConnections;

    /// <summary>
    /// New connections accepted per second on the proxy listener(s), all clients together: a token bucket refilled
    /// at this rate with a burst of the same size; a connection over it is closed at once without a response, before
    /// TLS or HTTP work is spent on it. Default 0 (off), range 0 to 1000000. Reloadable.
    /// </summary>
    public int MaxNewConnectionsPerSecond { get; init; }

    /// <summary>
    /// New connections accepted per second from one remote IP address on the proxy listener(s), a token bucket per
    /// address like <see cref="MaxNewConnectionsPerSecond"/>. Loopback is not exempt, and behind a balancer that
    /// does not pass client addresses every connection is the balancer's. Default 0 (off), range 0 to 1000000.
    /// Reloadable.
    /// </summary>
    public int MaxNewConnectionsPerSecondPerClient { get; init; }

    /// <summary>
    /// Time a client has to send a request's headers (slowloris defence); the connection is closed when it runs out.
    /// Default 10 s, range 100 ms to 5 min. Start-up only.
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = LimitsConstants.DefaultRequestHeadersTimeout;

    /// <summary>How long an idle keep-alive connection stays open (also how long a new connection may wait before its first byte). Default 75 s, range 1 s to 1 h. Start-up only.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = LimitsConstants.DefaultKeepAliveTimeout;

    /// <summary>
    /// Slowest request body upload accepted, in bytes per second, averaged after <see cref="MinDataRateGracePeriod"/>;
    /// a slower client gets 408 and the connection is closed. Default 240, range 0 (no minimum) to 1000000.
    /// Start-up only.
    /// </summary>
    public double MinRequestBodyDataRate { get; init; } = LimitsConstants.DefaultMinDataRate;

    /// <summary>
    /// Slowest response download accepted, in bytes per second, after <see cref="MinDataRateGracePeriod"/>; a client
    /// that stops reading is disconnected. Default 240, range 0 (no minimum) to 1000000. Start-up only.
    /// </summary>
    public double MinResponseDataRate { get; init; } = LimitsConstants.DefaultMinDataRate;

    /// <summary>
    /// Time before the minimum data rates are enforced. Default 5 s, range 2 s (Kestrel measures once a second) to
    /// 1 min. Start-up only.
    /// </summary>
    public TimeSpan MinDataRateGracePeriod { get; init; } = LimitsConstants.DefaultMinDataRateGracePeriod;

    /// <summary>Headers in one request; more gives 431. Default 100, range 1 to 1000. Start-up only.</summary>
    public int MaxRequestHeaderCount { get; init; } = LimitsConstants.DefaultMaxRequestHeaderCount;

    /// <summary>
    /// Bytes of all headers of one request together; more gives 431 (HTTP/1.1) or closes the connection (HTTP/2).
    /// Default 32768, range 1024 to 1048576. Start-up only.
    /// </summary>
    public int MaxRequestHeadersTotalSize { get; init; } = LimitsConstants.DefaultMaxRequestHeadersTotalSize;

    /// <summary>Bytes of the request line (method, target, version); more gives 414. Default 8192, range 256 to 65536. Start-up only.</summary>
    public int MaxRequestLineSize { get; init; } = LimitsConstants.DefaultMaxRequestLineSize;

    /// <summary>
    /// Largest request body, in bytes; more gives 413. Applied to every route without its own YARP
    /// <c>MaxRequestBodySize</c> on each reload, and to Kestrel at start-up for anything else. Default 10485760
    /// (10 MiB), range 0 to 4294967296 (4 GiB).
    /// </summary>
    public long MaxRequestBodySize { get; init; } = LimitsConstants.DefaultMaxRequestBodySize;

    /// <summary>
    /// Connections the kernel queues on the proxy listener before the gateway accepts them. Kestrel's 512 overflows in
    /// a reconnect storm, and every overflowed SYN is retried by the client seconds later, lining the storm up again.
    /// The kernel caps it at <c>net.core.somaxconn</c>. Default 4096, range 16 to 65535. Start-up only.
    /// </summary>
    public int ListenBacklog { get; init; } = LimitsConstants.DefaultListenBacklog;

    /// <summary>
    /// Runs the continuations of socket reads and writes on the socket engine's own threads (one per core) instead of
    /// queueing each to the thread pool: the runtime's <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>, which the
    /// gateway sets for its own process unless the environment already names it. A proxied request makes several
    /// socket round trips, client and backend, and each hop through the thread pool's queue costs CPU. What then runs
    /// on an engine thread is Kestrel's receive loop (it still hands the request's code to the thread pool) and
    /// everything after a backend's response arrives: YARP's response handling and transforms, the resilience steps,
    /// the copy of the body to the client and each middleware's code after the proxy. Every socket on that engine waits
    /// while it runs, so code that blocks a thread there (a synchronous wait, I/O, a log provider whose queue is full)
    /// stalls them all: turn this off before adding such code. Default true. Start-up only.
    /// </summary>
    public bool InlineSocketCompletions { get; init; } = LimitsConstants.DefaultInlineSocketCompletions;

    /// <summary>Concurrent HTTP/2 streams per connection. Default 100, range 1 to 1000. Start-up only.</summary>
    public int Http2MaxStreamsPerConnection { get; init; } = LimitsConstants.DefaultHttp2MaxStreamsPerConnection;

    /// <summary>
    /// Protocol of the proxy listener(s): <c>Http1</c> (HTTP/1.0 and 1.1) or <c>Http2</c> (cleartext HTTP/2 with
    /// prior knowledge only, for a TLS-terminating balancer in front that speaks h2c). Kestrel cannot offer both on
    /// a cleartext port. Default <c>Http1</c>. Start-up only.
    /// </summary>
    public string Protocols { get; init; } = LimitsConstants.ProtocolsHttp1;

    /// <summary>
    /// Time to open a TCP connection to a backend; a backend that does not accept in time gives 502. Default 5 s,
    /// range 100 ms to 1 min. Applied when a cluster's HTTP client is built: at start-up and when that cluster's
    /// config changes.
    /// </summary>
    public TimeSpan UpstreamConnectTimeout { get; init; } = LimitsConstants.DefaultUpstreamConnectTimeout;

    /// <summary>
    /// Time a backend may stay silent (no response headers, no body bytes either way) before the gateway answers 504;
    /// used for every cluster without its own <c>HttpRequest:ActivityTimeout</c> (YARP's default is 100 s). Default
    /// 30 s, range 100 ms to 10 min. Reloadable.
    /// </summary>
    public TimeSpan UpstreamActivityTimeout { get; init; } = LimitsConstants.DefaultUpstreamActivityTimeout;
}
