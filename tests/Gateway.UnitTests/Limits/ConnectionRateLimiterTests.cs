using System.Net;
using Gateway.Limits;

namespace Gateway.UnitTests.Limits;

/// <summary>
/// The new-connection rate decisions. The token buckets refill on real time (System.Threading.RateLimiting cannot take
/// a TimeProvider), so these take each burst within microseconds and never wait for a refill.
/// </summary>
public sealed class ConnectionRateLimiterTests
{
    private static readonly IPAddress ClientA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress ClientB = IPAddress.Parse("192.0.2.2");

    [Theory]
    [InlineData(1, 1, 1000)]
    [InlineData(4, 2, 500)]
    [InlineData(5, 1, 200)]
    [InlineData(7, 7, 1000)]
    [InlineData(10, 1, 100)]
    [InlineData(15, 3, 200)]
    [InlineData(1000, 100, 100)]
    [InlineData(1_000_000, 100_000, 100)]
    public void BucketOptions_RefillsTheExactRateInWhole100MsSteps_BurstEqualsRate(int rate, int tokensPerPeriod, int periodMs)
    {
        var options = ConnectionRateLimiter.BucketOptions(rate);

        Assert.Equal(rate, options.TokenLimit);
        Assert.Equal(tokensPerPeriod, options.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(periodMs), options.ReplenishmentPeriod);
        Assert.Equal(0, options.QueueLimit);
    }

    [Fact]
    public void Admit_RatesOff_AdmitsEveryConnection()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions());

        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(ConnectionRejection.None, limiter.Admit(ClientA));
        }
    }

    [Fact]
    public void Admit_OverTheGlobalRate_RejectsAfterTheBurst()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions { MaxNewConnectionsPerSecond = 5 });

        var admitted = Enumerable.Range(0, 5).Select(i => limiter.Admit(i % 2 == 0 ? ClientA : ClientB)).ToList();

        Assert.All(admitted, a => Assert.Equal(ConnectionRejection.None, a));
        Assert.Equal(ConnectionRejection.ConnectionRate, limiter.Admit(ClientA));
        Assert.Equal(ConnectionRejection.ConnectionRate, limiter.Admit(null));
    }

    [Fact]
    public void Admit_OverTheClientRate_RejectsThatAddressOnly()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions { MaxNewConnectionsPerSecondPerClient = 2 });

        Assert.Equal(ConnectionRejection.None, limiter.Admit(ClientA));
        Assert.Equal(ConnectionRejection.None, limiter.Admit(ClientA));
        Assert.Equal(ConnectionRejection.ClientConnectionRate, limiter.Admit(ClientA));
        Assert.Equal(ConnectionRejection.ClientConnectionRate, limiter.Admit(ClientA.MapToIPv6()));
        Assert.Equal(ConnectionRejection.None, limiter.Admit(ClientB));
        Assert.Equal(ConnectionRejection.None, limiter.Admit(null));
    }

    [Fact]
    public void Admit_LoopbackIsNotExempt()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions { MaxNewConnectionsPerSecondPerClient = 1 });

        Assert.Equal(ConnectionRejection.None, limiter.Admit(IPAddress.Loopback));
        Assert.Equal(ConnectionRejection.ClientConnectionRate, limiter.Admit(IPAddress.Loopback));
    }

    [Fact]
    public void Admit_ClientOverItsRate_SpendsNoSharedToken()
    {
        using var limiter = new ConnectionRateLimiter(new LimitsOptions { MaxNewConnectionsPerSecond = 3, MaxNewConnectionsPerSecondPerClient = 1 });

        Assert.Equal(ConnectionRejection.None, limiter.Admit(ClientA));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(ConnectionRejection.ClientConnectionRate, limiter.Admit(ClientA));
        }

        Assert.Equal(ConnectionRejection.None, limiter.Admit(ClientB));
        Assert.Equal(ConnectionRejection.None, limiter.Admit(IPAddress.Parse("192.0.2.3")));
        Assert.Equal(ConnectionRejection.ConnectionRate, limiter.Admit(IPAddress.Parse("192.0.2.4")));
    }
}
