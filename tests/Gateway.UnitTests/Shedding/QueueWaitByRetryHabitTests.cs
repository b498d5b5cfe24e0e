using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Shedding;

/// <summary>The queue holds a request up to PacedQueueTimeout unless the cluster's clients retry refusals at once.</summary>
public sealed class QueueWaitByRetryHabitTests
{
    private static readonly RouteModel s_route = new(new RouteConfig { RouteId = "state" }, cluster: null, HttpTransformer.Empty);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A limit fixed at 2, both slots taken: whoever comes next must wait, and nothing frees a slot.</summary>
    private ClusterShedder Full()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 2, MaxLimit = 2, InitialLimit = 2, CriticalReservedFraction = 0, QueueTimeout = TimeSpan.FromSeconds(2), PacedQueueTimeout = TimeSpan.FromMilliseconds(500) },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        Assert.True(shedder.TryEnter(RequestPriority.Default));
        return shedder;
    }

    private void SeeClientsRetryAtOnce(ClusterShedder shedder)
    {
        for (var i = 0; i < 20; i++)
        {
            shedder.Habit.Refused($"c{i}", s_route, _time.GetTimestamp());
        }

        _time.Advance(TimeSpan.FromMilliseconds(50));
        for (var i = 0; i < 20; i++)
        {
            shedder.Habit.Arrived($"c{i}", s_route, _time.GetTimestamp());
        }

        _time.Advance(SheddingConstants.RetryHabitBucket);
        shedder.Habit.Arrived("next", s_route, _time.GetTimestamp());
        Assert.True(shedder.Habit.RetriesAtOnce(_time.GetTimestamp()));
    }

    [Fact]
    public async Task BeforeRefusalsSayHowClientsRetry_AWaiterWaitsThePacedQueueTimeout()
    {
        var shedder = Full();

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(entering.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(SheddingReasons.QueueTimeout, await entering);
    }

    [Fact]
    public async Task ClientsThatRetryAtOnce_WaitTheWholeQueueTimeout()
    {
        var shedder = Full();
        SeeClientsRetryAtOnce(shedder);

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(entering.IsCompleted);

        // A slot frees before the two seconds are up: the waiter gets it.
        shedder.Exit();
        Assert.Null(await entering);
    }

    [Fact]
    public async Task PacedQueueTimeoutAboveQueueTimeout_QueueTimeoutStillBounds()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 1, MaxLimit = 1, InitialLimit = 1, CriticalReservedFraction = 0, QueueTimeout = TimeSpan.FromMilliseconds(100), PacedQueueTimeout = TimeSpan.FromSeconds(1) },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(SheddingReasons.QueueTimeout, await entering);
    }

    [Fact]
    public async Task PacedQueueTimeoutZero_ClientsThatWaitOutRetryAfterAreNotQueued()
    {
        var shedder = new ClusterShedder(
            "api",
            new SheddingOptions { MinLimit = 1, MaxLimit = 1, InitialLimit = 1, CriticalReservedFraction = 0, PacedQueueTimeout = TimeSpan.Zero },
            _time);
        Assert.True(shedder.TryEnter(RequestPriority.Default));

        var entering = shedder.EnterAsync(RequestPriority.Default, CancellationToken.None);

        Assert.True(entering.IsCompleted);
        Assert.Equal(SheddingReasons.QueueFull, await entering);
    }
}
