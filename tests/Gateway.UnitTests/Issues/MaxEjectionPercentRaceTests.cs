using Gateway.Health;
using Gateway.Tests.Common;
using Gateway.UnitTests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Issues;

/// <summary>
/// Issue 17, item 7: the count of a cluster's ejected destinations was taken under each destination's own lock, so
/// destinations failing at the same moment could all be ejected where <c>MaxEjectionPercent</c> allowed one.
/// </summary>
public sealed class MaxEjectionPercentRaceTests
{
    private const int Destinations = 4;
    private const int Rounds = 2000;

    [Fact]
    public void TryEject_AllDestinationsAtOnce_NeverMoreThanTheCap()
    {
        // A quarter of four: one ejection allowed per cluster.
        var options = new OutlierDetectionOptions { MaxEjectionPercent = 25 };
        var clusters = new ClusterState[Rounds];
        var trackers = new OutlierTracker[Rounds];
        for (var round = 0; round < Rounds; round++)
        {
            clusters[round] = TestClusters.Create("any", "d0@r", "d1@r", "d2@r", "d3@r");
            trackers[round] = new OutlierTracker(new FakeTimeProvider());
        }

        var ejected = new int[Rounds];
        using var start = new Barrier(Destinations);
        var threads = Enumerable.Range(0, Destinations).Select(d => new Thread(() =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                var destination = clusters[round].Destinations[$"d{d}"];
                start.SignalAndWait();
                if (trackers[round].TryEject(clusters[round], destination, options).Outcome == EjectionOutcome.Ejected)
                {
                    Interlocked.Increment(ref ejected[round]);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var over = Enumerable.Range(0, Rounds).Where(r => ejected[r] != 1).ToList();
        Assert.True(over.Count == 0, $"{over.Count} of {Rounds} rounds ejected other than one destination, e.g. {(over.Count > 0 ? ejected[over[0]] : 0)}");
        Assert.All(Enumerable.Range(0, Rounds), r => Assert.Equal(1, clusters[r].Destinations.Values.Count(trackers[r].IsEjected)));
    }
}
