using System.Net;
using Gateway.Limits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Limits;

public sealed class ConnectionRejectionLogTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.1"), 40000);

    [Fact]
    public void Rejected_Storm_LogsTheFirstAtOnceThenOncePerSecondWithTheCount()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger<ProxyConnectionLimit>();
        var log = new ConnectionRejectionLog(time, logger);

        for (var i = 0; i < 1000; i++)
        {
            log.Rejected(ConnectionRejection.ConnectionRate, Client);
        }

        time.Advance(TimeSpan.FromMilliseconds(999));
        log.Rejected(ConnectionRejection.ConnectionRate, Client);
        Assert.Equal(1, logger.Collector.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        log.Rejected(ConnectionRejection.ConnectionRate, Client);

        var records = logger.Collector.GetSnapshot();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(9002, r.Id.Id));
        Assert.All(records, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.Equal("Closed 1 proxy connections at once over Gateway:Limits:MaxNewConnectionsPerSecond since the last report; the last from 192.0.2.1:40000", records[0].Message);
        Assert.StartsWith("Closed 1001 proxy connections at once over Gateway:Limits:MaxNewConnectionsPerSecond", records[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejected_EachLimit_IsThrottledOnItsOwn()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger<ProxyConnectionLimit>();
        var log = new ConnectionRejectionLog(time, logger);

        log.Rejected(ConnectionRejection.MaxConnections, Client);
        log.Rejected(ConnectionRejection.ConnectionRate, Client);
        log.Rejected(ConnectionRejection.ClientConnectionRate, Client);
        log.Rejected(ConnectionRejection.ClientConnectionRate, Client);

        var messages = logger.Collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Equal(3, messages.Count);
        Assert.Contains("Gateway:Limits:MaxConcurrentConnections", messages[0], StringComparison.Ordinal);
        Assert.Contains("Gateway:Limits:MaxNewConnectionsPerSecond ", messages[1], StringComparison.Ordinal);
        Assert.Contains("Gateway:Limits:MaxNewConnectionsPerSecondPerClient", messages[2], StringComparison.Ordinal);
    }
}
