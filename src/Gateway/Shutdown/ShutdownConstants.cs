namespace Gateway.Shutdown;

/// <summary>Defaults and allowed ranges of <c>Gateway:Shutdown</c>.</summary>
internal static class ShutdownConstants
{
    public const string SectionPath = "Gateway:Shutdown";

    // A balancer pulls an instance after a few failed readiness probes; at the common 1-2 s probe interval five
    // seconds covers two or three of them, so it stops sending new connections before the listeners close.
    public static readonly TimeSpan DefaultDrainDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinDrainDelay = TimeSpan.Zero;

    // Kubernetes' default terminationGracePeriodSeconds is 30 s; delay and timeout together must stay well inside
    // what an orchestrator grants before it sends SIGKILL.
    public static readonly TimeSpan MaxDrainDelay = TimeSpan.FromMinutes(5);

    // ASP.NET Core's own HostOptions.ShutdownTimeout default.
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    public const string ConnectionClose = "close";
}
