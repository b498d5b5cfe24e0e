using LoadTests.Scenarios;

namespace LoadTests.Tests.Scenarios;

public sealed class SessionContextTests
{
    [Theory]
    [InlineData(0.5, 500)]
    [InlineData(0.25, 250)]
    [InlineData(1.0, 1000)]
    [InlineData(0.0, 0)]
    public void SendsDeadline_OverAThousandSessions_TheShareAsked(double fraction, int expected)
    {
        var sending = 0;
        for (var n = 0L; n < 1000; n++)
        {
            sending += SessionContext.SendsDeadline(n, fraction) ? 1 : 0;
        }

        Assert.Equal(expected, sending);
    }

    [Fact]
    public void SendsDeadline_Half_EveryOtherSession()
    {
        // Spread evenly, so both kinds meet every part of the storm, not one kind its start and the other its end.
        var kinds = Enumerable.Range(0, 6).Select(n => SessionContext.SendsDeadline(n, 0.5)).ToArray();

        Assert.Equal([false, true, false, true, false, true], kinds);
    }
}
