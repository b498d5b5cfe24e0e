using LoadTests.Cli;
using LoadTests.Clients;
using LoadTests.Load;
using LoadTests.Scenarios;

namespace LoadTests.Tests.Scenarios;

public sealed class ScenarioCatalogTests
{
    [Fact]
    public void Build_ReconnectStormDefaults_20000ClientsWithin5SecondsEachOnItsOwnConnection()
    {
        var scenario = Build("reconnect-storm");

        Assert.Equal([LoadPhase.Constant(4000, TimeSpan.FromSeconds(5))], scenario.Phases);
        Assert.Equal(20_000, scenario.PlannedSessions);
        Assert.Equal(ConnectionMode.PerSession, scenario.Connection);
        Assert.Equal(["/session/auth", "/api/state", "/api/list", "/api/heartbeat"], scenario.Steps);
    }

    [Fact]
    public void Build_Spike_StepsTenfoldAndBack()
    {
        var scenario = Build("spike", "--rate", "50");

        Assert.Equal(
            [LoadPhase.Constant(50, TimeSpan.FromSeconds(10)), LoadPhase.Spike(500, TimeSpan.FromSeconds(10)), LoadPhase.Constant(50, TimeSpan.FromSeconds(10))],
            scenario.Phases);
        Assert.Equal(ConnectionMode.KeepAlive, scenario.Connection);
    }

    [Fact]
    public void Build_RegionOutage_DownThenUpAtTheGivenTimes()
    {
        var scenario = Build("region-outage", "--control", "http://127.0.0.1:5100", "--region", "us-east", "--outage-at", "5s", "--outage-for", "3s");

        Assert.Equal([(TimeSpan.FromSeconds(5), "region us-east down"), (TimeSpan.FromSeconds(8), "region us-east up")], scenario.Actions.Select(a => (a.At, a.What)));
    }

    [Fact]
    public void Build_RegionOutageWithoutControl_IsRefused()
    {
        var options = LoadTestCommandLine.Parse(["region-outage"], out _)!;

        Assert.Null(ScenarioCatalog.Build(options, out var error));
        Assert.Contains("--control", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExplicitPhases_ReplaceTheScenarios()
    {
        var scenario = Build("steady", "--phases", "ramp:0-10:1s,pause:1s");

        Assert.Equal([LoadPhase.Ramp(0, 10, TimeSpan.FromSeconds(1)), LoadPhase.Pause(TimeSpan.FromSeconds(1))], scenario.Phases);
    }

    private static ScenarioDefinition Build(params string[] args)
    {
        var options = LoadTestCommandLine.Parse(args, out var error) ?? throw new InvalidOperationException(error);
        return ScenarioCatalog.Build(options, out error) ?? throw new InvalidOperationException(error);
    }
}
