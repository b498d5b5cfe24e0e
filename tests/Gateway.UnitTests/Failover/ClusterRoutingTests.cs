using System.Collections.Immutable;
using Gateway.Failover;
using Gateway.Health;
using Gateway.Tests.Common;
using Gateway.UnitTests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Failover;

public sealed class ClusterRoutingTests
{
    private static readonly ImmutableHashSet<string> s_noDrains = ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase);

    private readonly FakeTimeProvider _time = new();
    private readonly ClusterRouting _routing = new();
    private readonly ClusterState _cluster = TestClusters.Create("eu-first", "eu-1@eu-west", "eu-2@eu-west", "eu-3@eu-west", "eu-4@eu-west", "us-1@us-east", "us-2@us-east");
    private FailoverPolicyOptions _policy = new()
    {
        Regions = ["eu-west", "us-east"],
        FailbackDelay = TimeSpan.FromSeconds(30),
        SlowStart = TimeSpan.FromSeconds(30),
    };

    private readonly ServingEvidence _evidence;
    private ImmutableHashSet<string> _drains = s_noDrains;
    private long _drainVersion;

    public ClusterRoutingTests() => _evidence = new ServingEvidence(_time);

    [Fact]
    public void GetPlan_AllHealthy_SendsEverythingToThePreferredRegion()
    {
        var plan = Plan();

        Assert.Equal([1.0, 0.0], Loads(plan));
        Assert.False(plan.Panic);
        Assert.Equal(["eu-1", "eu-2", "eu-3", "eu-4"], TestClusters.Names(plan.Pick(0.99, 0.99)));
    }

    [Fact]
    public void GetPlan_PreferredRegionBelowMinHealthyFraction_SpillsInProportionToMissingCapacity()
    {
        Plan();
        // 1 of 4 healthy = 25%; with MinHealthyFraction 0.5 the region can carry half its traffic.
        TestClusters.SetAvailable(_cluster, "eu-1", "us-1", "us-2");

        var plan = Plan();

        Assert.Equal([0.5, 0.5], Loads(plan));
        Assert.Equal(["eu-1"], TestClusters.Names(plan.Pick(0.49, 0.5)));
        Assert.Equal(["us-1", "us-2"], TestClusters.Names(plan.Pick(0.51, 0.5)));
    }

    [Fact]
    public void GetPlan_PreferredRegionAtMinHealthyFraction_KeepsAllTraffic()
    {
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "us-1", "us-2");

        Assert.Equal([1.0, 0.0], Loads(Plan()));
    }

    [Fact]
    public void GetPlan_PreferredRegionDead_SendsEverythingToTheNextRegion()
    {
        Plan();
        TestClusters.SetAvailable(_cluster, "us-1", "us-2");

        var plan = Plan();

        Assert.Equal([0.0, 1.0], Loads(plan));
        Assert.Equal("us-east", plan.ActiveRegion!.Name);
        Assert.Equal(["us-1", "us-2"], TestClusters.Names(plan.Pick(0.0, 0.0)));
    }

    [Fact]
    public void GetPlan_RegionRecovers_WaitsOutFailbackDelayThenRampsOverSlowStart()
    {
        Plan();
        TestClusters.SetAvailable(_cluster, "us-1", "us-2");
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "eu-3", "eu-4", "us-1", "us-2");

        Assert.Equal([0.0, 1.0], Loads(Plan()));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal([0.0, 1.0], Loads(Plan()));
        Assert.True(Plan().Regions[0].Recovering);

        _time.Advance(TimeSpan.FromSeconds(16)); // 15 s into a 30 s ramp
        var halfway = Loads(Plan());
        Assert.Equal(0.5, halfway[0], 2);
        Assert.Equal(0.5, halfway[1], 2);

        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal([1.0, 0.0], Loads(Plan()));
        Assert.False(Plan().Regions[0].Recovering);
    }

    [Fact]
    public void GetPlan_RegionFailsAgainWhileRecovering_StartsItsFailbackDelayOver()
    {
        Plan();
        TestClusters.SetAvailable(_cluster, "us-1", "us-2");
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "eu-3", "eu-4", "us-1", "us-2");
        Plan();
        _time.Advance(TimeSpan.FromSeconds(20));
        TestClusters.SetAvailable(_cluster, "us-1", "us-2");
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "eu-3", "eu-4", "us-1", "us-2");
        Plan();

        _time.Advance(TimeSpan.FromSeconds(29));

        Assert.Equal([0.0, 1.0], Loads(Plan()));
    }

    [Fact]
    public void GetPlan_ZeroFailbackDelayAndSlowStart_ReturnsAtOnce()
    {
        _policy = _policy with { FailbackDelay = TimeSpan.Zero, SlowStart = TimeSpan.Zero };
        Plan();
        TestClusters.SetAvailable(_cluster, "us-1", "us-2");
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "eu-3", "eu-4", "us-1", "us-2");

        Assert.Equal([1.0, 0.0], Loads(Plan()));
    }

    [Fact]
    public void GetPlan_RegionDrained_GetsNoTrafficAndUndrainRampsFromZeroWithoutFailbackDelay()
    {
        Plan();
        Drain("eu-west");

        var drained = Plan();
        Assert.Equal([0.0, 1.0], Loads(drained));
        Assert.True(drained.Regions[0].Drained);

        Undrain();
        Assert.Equal(0.0, Loads(Plan())[0], 2);
        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(0.5, Loads(Plan())[0], 2);
        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal([1.0, 0.0], Loads(Plan()));
    }

    [Fact]
    public void GetPlan_DestinationReturns_TakesPartInProportionToItsSlowStartWeight()
    {
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "eu-3", "us-1", "us-2");
        Plan();
        TestClusters.SetAvailable(_cluster, "eu-1", "eu-2", "eu-3", "eu-4", "us-1", "us-2");
        Plan();

        _time.Advance(TimeSpan.FromSeconds(15));
        var plan = Plan();

        Assert.Equal(0.5, plan.Regions[0].ReturningWeight, 2);
        Assert.Equal(["eu-1", "eu-2", "eu-3", "eu-4"], TestClusters.Names(plan.Pick(0.1, 0.49)));
        Assert.Equal(["eu-1", "eu-2", "eu-3"], TestClusters.Names(plan.Pick(0.1, 0.51)));

        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(["eu-1", "eu-2", "eu-3", "eu-4"], TestClusters.Names(Plan().Pick(0.1, 0.99)));
    }

    [Fact]
    public void GetPlan_HealthyShareBelowPanicThreshold_RoutesToEveryDestinationOfTheRegion()
    {
        _policy = _policy with { Regions = ["eu-west"] };
        var cluster = TestClusters.Create("eu-only", "eu-1@eu-west", "eu-2@eu-west", "eu-3@eu-west", "eu-4@eu-west");
        Plan(cluster);
        TestClusters.SetAvailable(cluster, "eu-1");

        var plan = Plan(cluster);

        Assert.True(plan.Panic);
        Assert.Equal(["eu-1", "eu-2", "eu-3", "eu-4"], TestClusters.Names(plan.Pick(0.5, 0.5)));
    }

    [Fact]
    public void GetPlan_PanicThresholdZero_RoutesOnlyToHealthyDestinations()
    {
        _policy = _policy with { Regions = ["eu-west"] };
        var cluster = TestClusters.Create("eu-only", "eu-1@eu-west", "eu-2@eu-west", "eu-3@eu-west", "eu-4@eu-west");
        Plan(cluster, panicThreshold: 0);
        TestClusters.SetAvailable(cluster, "eu-1");

        var plan = Plan(cluster, panicThreshold: 0);

        Assert.False(plan.Panic);
        Assert.Equal(["eu-1"], TestClusters.Names(plan.Pick(0.5, 0.5)));
    }

    [Fact]
    public void GetPlan_NoDestinationHealthy_PanicsToAllButTheOneRefusingConnections()
    {
        _policy = _policy with { Regions = ["eu-west"] };
        var cluster = TestClusters.Create("eu-only", "eu-1@eu-west", "eu-2@eu-west", "eu-3@eu-west");
        Plan(cluster);
        _evidence.Refused(Destination(cluster, "eu-3"));
        TestClusters.SetAvailable(cluster);

        var plan = Plan(cluster);

        Assert.True(plan.Panic);
        Assert.Equal(["eu-1", "eu-2"], TestClusters.Names(plan.Pick(0.5, 0.5)));
    }

    [Fact]
    public void GetPlan_NoDestinationHealthyInAnyRegion_PanicsInThePreferredRegion()
    {
        Plan();
        TestClusters.SetAvailable(_cluster);

        var plan = Plan();

        Assert.True(plan.Panic);
        Assert.Equal([1.0, 0.0], Loads(plan));
        Assert.Equal(["eu-1", "eu-2", "eu-3", "eu-4"], TestClusters.Names(plan.Pick(0.99, 0.5)));
    }

    [Fact]
    public void GetPlan_NoDestinationHealthyAndEveryOneRefusing_RoutesNowhere()
    {
        _policy = _policy with { Regions = ["eu-west"] };
        var cluster = TestClusters.Create("eu-only", "eu-1@eu-west", "eu-2@eu-west");
        Plan(cluster);
        _evidence.Refused(Destination(cluster, "eu-1"));
        _evidence.Refused(Destination(cluster, "eu-2"));
        TestClusters.SetAvailable(cluster);

        Assert.Empty(Plan(cluster).Pick(0.5, 0.5));
    }

    [Fact]
    public void GetPlan_ProbesFailButRequestsServed_KeepsTheDestinationUntilItStopsServing()
    {
        Plan();
        _evidence.Served(Destination(_cluster, "eu-1"));
        Destination(_cluster, "eu-1").Health.Active = DestinationHealth.Unhealthy;
        TestClusters.SetAvailable(_cluster, "eu-2", "eu-3", "eu-4", "us-1", "us-2");

        var plan = Plan();

        Assert.False(plan.Panic);
        Assert.Equal([1.0, 0.0], Loads(plan));
        Assert.Equal(["eu-1", "eu-2", "eu-3", "eu-4"], TestClusters.Names(plan.Pick(0.5, 0.99)));

        // Nothing served for longer than the evidence lasts: the probes have the last word.
        _time.Advance(HealthConstants.ServingEvidenceWindow + TimeSpan.FromSeconds(1));
        Assert.Equal(["eu-2", "eu-3", "eu-4"], TestClusters.Names(Plan().Pick(0.5, 0.99)));
    }

    [Fact]
    public void GetPlan_ServedThenRefused_ProbesHaveTheLastWord()
    {
        Plan();
        _evidence.Served(Destination(_cluster, "eu-1"));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        _evidence.Refused(Destination(_cluster, "eu-1"));
        Destination(_cluster, "eu-1").Health.Active = DestinationHealth.Unhealthy;
        TestClusters.SetAvailable(_cluster, "eu-2", "eu-3", "eu-4", "us-1", "us-2");

        Assert.Equal(["eu-2", "eu-3", "eu-4"], TestClusters.Names(Plan().Pick(0.5, 0.99)));
    }

    [Fact]
    public void GetPlan_NothingChanged_ReturnsTheSamePlanWithoutRebuilding()
    {
        var first = Plan();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Same(first, Plan());
    }

    private RegionPlan Plan(ClusterState? cluster = null, double panicThreshold = 0.5) =>
        _routing.GetPlan(cluster ?? _cluster, new PlanInputs(_policy, panicThreshold, _drains, _drainVersion, 1, _time.GetTimestamp(), _time, _evidence));

    private static DestinationState Destination(ClusterState cluster, string name) => cluster.Destinations[name];

    private void Drain(string region)
    {
        _drains = _drains.Add(region);
        _drainVersion++;
    }

    private void Undrain()
    {
        _drains = s_noDrains;
        _drainVersion++;
    }

    private static double[] Loads(RegionPlan plan) => [.. plan.Regions.Select(r => Math.Round(r.Load, 4))];
}
