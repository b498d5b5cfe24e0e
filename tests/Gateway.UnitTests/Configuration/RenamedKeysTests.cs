using Gateway.Configuration;
using Gateway.Utilities;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Configuration;

public sealed class RenamedKeysTests
{
    private static IReadOnlyList<ConfigError> Read(params (string Key, string Value)[] pairs)
    {
        var root = new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)))
            .Build();
        var errors = new ConfigErrorList();
        GatewayOptionsReader.Read(root, errors);
        return errors.Errors;
    }

    [Theory]
    [InlineData("Gateway:Failover:Retry:Enabled", "false", "Gateway:Failover:Retry", "use Gateway:Resilience:Retry.")]
    [InlineData("Gateway:Shedding:MaxQueue", "10", "Gateway:Shedding:MaxQueue", "use Gateway:Shedding:QueueLimit.")]
    [InlineData("Gateway:Shedding:MaxQueueWait", "00:00:01", "Gateway:Shedding:MaxQueueWait", "use Gateway:Shedding:QueueTimeout.")]
    [InlineData("Gateway:Resilience:Policies:standard:Bulkhead:MaxQueue", "5", "Gateway:Resilience:Policies:standard:Bulkhead:MaxQueue", "use Gateway:Resilience:Policies:standard:Bulkhead:QueueLimit.")]
    public void OldKey_IsRefusedNamingTheNewOne(string key, string value, string path, string advice)
    {
        var error = Assert.Single(Read((key, value)));

        Assert.Equal(path, error.Path);
        Assert.Equal($"was renamed; {advice}", error.Reason);
    }

    [Fact]
    public void NewKeys_Bind()
    {
        var root = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Shedding:QueueLimit"] = "7",
            ["Gateway:Shedding:QueueTimeout"] = "00:00:00.200",
            ["Gateway:Resilience:Retry:Enabled"] = "false",
        }).Build();
        var errors = new ConfigErrorList();

        var options = GatewayOptionsReader.Read(root, errors);

        Assert.Empty(errors.Errors);
        Assert.Equal(7, options!.Shedding.QueueLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Shedding.QueueTimeout);
        Assert.False(options.Resilience.Retry.Enabled);
    }
}
