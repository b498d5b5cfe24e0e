using LoadTests.Clients;
using LoadTests.Load;

namespace LoadTests.Cli;

/// <summary>Everything the command line sets; each property's default is the one the usage text names.</summary>
internal sealed record LoadTestOptions
{
    public required string Scenario { get; init; }

    /// <summary>Base URL the virtual users call: the gateway, a backend or any proxy. Default <c>http://127.0.0.1:8080</c>.</summary>
    public Uri Target { get; init; } = new("http://127.0.0.1:8080/");

    /// <summary>The sample backend's control listener; needed by region-outage, optional elsewhere (peak queues).</summary>
    public Uri? Control { get; init; }

    /// <summary>Non-loopback hosts the user named explicitly; any other non-loopback target is refused.</summary>
    public IReadOnlySet<string> AllowedHosts { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public bool ClosedModel { get; init; }

    /// <summary>Arrivals per second (steady, spike base, region-outage). Default 100, up to 100,000.</summary>
    public double Rate { get; init; } = 100;

    /// <summary>Steady and region-outage run length. Default 30 s (region-outage 40 s), up to 1 h.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Closed model: concurrent virtual users. Default 50, up to 20,000.</summary>
    public int Users { get; init; } = 50;

    /// <summary>Explicit phases; replaces the scenario's own.</summary>
    public IReadOnlyList<LoadPhase>? Phases { get; init; }

    /// <summary>Paths the steady-type scenarios call, round robin. Default <c>/api/steady</c>.</summary>
    public IReadOnlyList<string> Paths { get; init; } = ["/api/steady"];

    /// <summary>reconnect-storm: clients. Default 20,000, up to 1,000,000.</summary>
    public int Clients { get; init; } = 20_000;

    /// <summary>reconnect-storm: the window the clients reconnect within. Default 5 s.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>reconnect-storm: the session bootstrap, in order. Default auth, state, list.</summary>
    public IReadOnlyList<string> Bootstrap { get; init; } = ["/session/auth", "/api/state", "/api/list"];

    public int Heartbeats { get; init; } = 2;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string HeartbeatPath { get; init; } = "/api/heartbeat";

    public double SpikeFactor { get; init; } = 10;

    public TimeSpan SpikeAt { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan SpikeFor { get; init; } = TimeSpan.FromSeconds(10);

    public string Region { get; init; } = "eu-west";

    public TimeSpan OutageAt { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan OutageFor { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>One run per policy, in order. Default <c>none</c>.</summary>
    public IReadOnlyList<ClientRetryPolicy> Policies { get; init; } = [ClientRetryPolicy.None];

    /// <summary>Default: per-session for reconnect-storm, keep-alive otherwise.</summary>
    public ConnectionMode? Connection { get; init; }

    /// <summary>What a session's own connection sends with (per-session only; the shared pool is .NET's). Default raw.</summary>
    public ClientStack Client { get; init; } = ClientStack.Raw;

    public RetrySettings Retry { get; init; } = RetrySettings.Default;

    /// <summary>Per attempt, connect included. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The share of sessions whose attempts tell the server <see cref="Timeout"/> in <c>X-Request-Deadline</c>
    /// (milliseconds), spread evenly over the arrivals. Default 0 (none), range 0 to 1; <c>--send-deadline</c> is 1.
    /// </summary>
    public double SendDeadlineFraction { get; init; }

    /// <summary>Hard stop for one run, whatever is still going. Default 10 min.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Hard cap on HTTP attempts in one run (retries count). Default 5,000,000.</summary>
    public long MaxRequests { get; init; } = 5_000_000;

    /// <summary>After the last arrival, how long in-flight sessions may finish before they are cancelled. Default 60 s.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Pause between runs of several policies, so one run's tail does not load the next. Default 5 s.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connections the tool itself holds open at most. Default: 90 % of the process's open-file limit (so the tool
    /// degrades by waiting, counted in the latency, instead of failing or crashing when it runs out), 1 to 1,000,000.
    /// </summary>
    public int MaxConnections { get; init; } = ClientLimits.DefaultMaxConnections();

    /// <summary>Report folder. Default <c>load-tests/reports/&lt;scenario&gt;-&lt;UTC time&gt;</c>.</summary>
    public string? Out { get; init; }

    /// <summary>No live progress (the final summary is still printed).</summary>
    public bool Quiet { get; init; }
}
