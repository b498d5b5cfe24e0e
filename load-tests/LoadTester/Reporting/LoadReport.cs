namespace LoadTests.Reporting;

/// <summary>Everything one invocation of the tool measured: one run per client retry policy it compared.</summary>
internal sealed record LoadReport(
    string Scenario,
    string Target,
    string CommandLine,
    DateTimeOffset StartedAt,
    string Machine,
    IReadOnlyList<RunReport> Runs);

/// <summary>One run of a scenario with one client policy.</summary>
/// <param name="DurationSeconds">From the first scheduled start to the last completion; goodput divides by it.</param>
/// <param name="GeneratorCpuSeconds">
/// The load tester's own CPU time over the run: on a machine it shares with the target, what it took from the target.
/// </param>
internal sealed record RunReport(
    string Name,
    string Model,
    string Phases,
    string RetryPolicy,
    string Connection,
    double DurationSeconds,
    IReadOnlyList<StepReport> Steps,
    StepReport Overall,
    SessionReport Sessions,
    IReadOnlyList<BackendInstanceReport>? Backend,
    IReadOnlyList<RunEvent> Events,
    IReadOnlyList<TimelinePoint> Timeline,
    string? Aborted,
    IReadOnlyList<ClientKindReport>? ByDeadline = null,
    double GeneratorCpuSeconds = 0);

/// <summary>
/// One step (a call path) of the sessions. Calls are logical calls after retries; attempts include every retry.
/// Status codes and gateway reasons count attempts; latency is of successful calls, from the scheduled start.
/// </summary>
/// <param name="RejectionLatency">How fast attempts answered 429 or 503 were answered, from send to status.</param>
internal sealed record StepReport(
    string Name,
    long Calls,
    long Ok,
    long Failed,
    long Attempts,
    double GoodputPerSecond,
    LatencySummary Latency,
    IReadOnlyDictionary<string, long> StatusCodes,
    IReadOnlyDictionary<string, long> GatewayReasons,
    LatencySummary? RejectionLatency = null);

/// <summary>Sessions (arrivals of the open model, iterations of the closed one) and how soon all were served.</summary>
/// <param name="FullyServedSeconds">From the first scheduled arrival until the last session finished its bootstrap; null when some never did.</param>
/// <param name="ConnectionSlotWaits">Sessions that waited because the tool held <c>--max-connections</c> already.</param>
/// <param name="StartLag">
/// How late sessions began running against their schedule: large values mean the load generator, not the target,
/// could not keep up (the latencies, counted from the schedule, then include its lag).
/// </param>
internal sealed record SessionReport(
    long Planned,
    long Started,
    long Bootstrapped,
    long Failed,
    double? FullyServedSeconds,
    double? HalfServedSeconds,
    double? Served99Seconds,
    LatencySummary StartLag,
    long ConnectionSlotWaits);

/// <summary>
/// One kind of session in a run that mixes them (<c>--send-deadline-fraction</c>): those that send their deadline,
/// or those that do not. Sessions counts those that ended (bootstrapped, failed or stopped).
/// </summary>
/// <param name="RejectionLatency">How fast this kind's attempts answered 429 or 503 were answered, from send to status.</param>
internal sealed record ClientKindReport(string Name, long Sessions, long Bootstrapped, long Attempts, long Timeouts, LatencySummary RejectionLatency);

/// <summary>A sample-backend instance over the run: its longest queue and how many requests it served.</summary>
internal sealed record BackendInstanceReport(string Name, string Region, long PeakQueued, long Served, long Abandoned);

/// <summary>Something the scenario did during the run, such as downing a region.</summary>
internal sealed record RunEvent(double AtSeconds, string What);

/// <summary>One second of the run, by completion time.</summary>
internal sealed record TimelinePoint(int Second, long Goodput, long Rejections, long Errors, double? P99Ms);
