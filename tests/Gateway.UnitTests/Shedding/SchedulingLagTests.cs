using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

public sealed class SchedulingLagTests
{
    private readonly FakeTimeProvider _time = new();

    private long Ms(double ms) => (long)(ms / 1000 * _time.TimestampFrequency);

    [Fact]
    public void Sample_RisesAtOnce_DecaysByAQuarterOfTheDifference()
    {
        var lag = new SchedulingLag();

        lag.Sample(Ms(80));
        Assert.Equal(Ms(80), lag.Current);

        lag.Sample(0);
        Assert.Equal(Ms(60), lag.Current, Ms(0.01));
    }

    [Fact]
    public void Discount_LagWithinWhatExceedsTheBaseline_SubtractsIt()
    {
        var lag = new SchedulingLag();
        lag.Sample(Ms(50));

        Assert.Equal(Ms(50), lag.Discount(0, Ms(100), floor: Ms(20)));
    }

    [Fact]
    public void Discount_LagAboveTheAttempt_NeverBelowTheBaseline()
    {
        var lag = new SchedulingLag();
        lag.Sample(Ms(500));

        Assert.Equal(Ms(20), lag.Discount(0, Ms(100), floor: Ms(20)));
        Assert.Equal(Ms(15), lag.Discount(0, Ms(15), floor: Ms(20)));
    }

    [Fact]
    public async Task Probe_TimerRunsLate_MeasuresTheLateness()
    {
        var lag = new SchedulingLag();
        using var probe = new SchedulingLagProbe(lag, _time);
        await probe.StartAsync(CancellationToken.None);

        // The timer falls due after 10 ms; the fake clock reaches its callback only 40 ms later.
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.InRange(lag.Current, 0, Ms(40));
        await probe.StopAsync(CancellationToken.None);
    }
}
