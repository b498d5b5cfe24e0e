using LoadTests.Backend;
using LoadTests.Clients;
using LoadTests.Load;

namespace LoadTests.Scenarios;

/// <summary>
/// A scenario made concrete: the load model and its phases, what each session calls, and what the tool does to the
/// backends on the way (region down and up).
/// </summary>
/// <param name="Sessions">Arrival (or closed-model iteration) i runs <c>Sessions[i % Count]</c>.</param>
internal sealed record ScenarioDefinition(
    string Name,
    bool ClosedModel,
    IReadOnlyList<LoadPhase> Phases,
    IReadOnlyList<SessionPlan> Sessions,
    IReadOnlyList<ScenarioAction> Actions,
    ConnectionMode Connection)
{
    /// <summary>Sessions the open model will start; unknown (0) in the closed model.</summary>
    public long PlannedSessions => ClosedModel ? 0 : ArrivalPlan.TotalArrivals(Phases);

    public string Model => ClosedModel ? "closed" : "open";

    public IEnumerable<string> Steps =>
        Sessions.SelectMany(s => s.HeartbeatPath is { } beat && s.Heartbeats > 0 ? s.Bootstrap.Append(beat) : s.Bootstrap).Distinct(StringComparer.Ordinal);
}

/// <summary>
/// One session: bootstrap calls in order (the session fails at the first call that fails after retries), then
/// heartbeats that may fail without ending it.
/// </summary>
internal sealed record SessionPlan(IReadOnlyList<string> Bootstrap, int Heartbeats = 0, TimeSpan HeartbeatInterval = default, string? HeartbeatPath = null);

/// <summary>Something the tool does at a time into the run, such as downing a region through the backend's control port.</summary>
internal sealed record ScenarioAction(TimeSpan At, string What, Func<SampleBackendControl, CancellationToken, Task> RunAsync);
