using LoadTests.Cli;
using LoadTests.Clients;
using LoadTests.Load;

namespace LoadTests.Scenarios;

/// <summary>The scenarios the tool ships, each built from the command line's options.</summary>
internal static class ScenarioCatalog
{
    public const string Steady = "steady";
    public const string ReconnectStorm = "reconnect-storm";
    public const string RegionOutage = "region-outage";
    public const string Spike = "spike";

    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { Steady, ReconnectStorm, RegionOutage, Spike };

    /// <returns>The definition, or null with <paramref name="error"/> set.</returns>
    public static ScenarioDefinition? Build(LoadTestOptions options, out string? error)
    {
        error = null;
        var single = options.Paths.Select(p => new SessionPlan([p])).ToList();
        var value = options.ClosedModel ? options.Users : options.Rate;
        switch (options.Scenario)
        {
            case Steady:
                return Define(options, [LoadPhase.Constant(value, options.Duration ?? TimeSpan.FromSeconds(30))], single, [], ConnectionMode.KeepAlive);

            case Spike:
                return Define(
                    options,
                    [
                        LoadPhase.Constant(value, options.SpikeAt),
                        LoadPhase.Spike(value * options.SpikeFactor, options.SpikeFor),
                        LoadPhase.Constant(value, options.SpikeFor),
                    ],
                    single,
                    [],
                    ConnectionMode.KeepAlive);

            case RegionOutage:
                if (options.Control is null)
                {
                    error = "region-outage needs --control, the sample backend's control URL (e.g. http://127.0.0.1:5100).";
                    return null;
                }

                var region = options.Region;
                var duration = options.Duration ?? TimeSpan.FromSeconds(40);
                if (options.OutageAt + options.OutageFor > duration)
                {
                    error = "--outage-at plus --outage-for must fit in --duration.";
                    return null;
                }

                return Define(
                    options,
                    [LoadPhase.Constant(value, duration)],
                    single,
                    [
                        new ScenarioAction(options.OutageAt, $"region {region} down", (control, ct) => control.RegionDownAsync(region, ct)),
                        new ScenarioAction(options.OutageAt + options.OutageFor, $"region {region} up", (control, ct) => control.RegionUpAsync(region, ct)),
                    ],
                    ConnectionMode.KeepAlive);

            case ReconnectStorm:
                var storm = options.ClosedModel
                    ? LoadPhase.Constant(options.Users, options.Window)
                    : LoadPhase.Constant(options.Clients / options.Window.TotalSeconds, options.Window);
                var session = new SessionPlan(options.Bootstrap, options.Heartbeats, options.HeartbeatInterval, options.HeartbeatPath);
                return Define(options, [storm], [session], [], ConnectionMode.PerSession);

            default:
                error = $"unknown scenario {options.Scenario}.";
                return null;
        }
    }

    private static ScenarioDefinition Define(
        LoadTestOptions options, IReadOnlyList<LoadPhase> phases, IReadOnlyList<SessionPlan> sessions, IReadOnlyList<ScenarioAction> actions, ConnectionMode connection) =>
        new(options.Scenario, options.ClosedModel, options.Phases ?? phases, sessions, actions, options.Connection ?? connection);
}
