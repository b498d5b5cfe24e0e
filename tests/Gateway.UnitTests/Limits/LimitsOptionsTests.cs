using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Limits;
using Gateway.Utilities;
using Gateway.Resilience;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Limits;

public sealed class LimitsOptionsTests
{
    private static IReadOnlyList<ConfigError> Validate(LimitsOptions limits) =>
        GatewayOptionsValidator.Validate(new GatewayOptions { Limits = limits });

    [Fact]
    public void Defaults_AreValidAndDocumented()
    {
        var options = new LimitsOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(10_000, options.MaxConcurrentConnections);
        Assert.Equal(0, options.MaxNewConnectionsPerSecond);
        Assert.Equal(0, options.MaxNewConnectionsPerSecondPerClient);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(75), options.KeepAliveTimeout);
        Assert.Equal(240, options.MinRequestBodyDataRate);
        Assert.Equal(240, options.MinResponseDataRate);
        Assert.Equal(TimeSpan.FromSeconds(5), options.MinDataRateGracePeriod);
        Assert.Equal(100, options.MaxRequestHeaderCount);
        Assert.Equal(32 * 1024, options.MaxRequestHeadersTotalSize);
        Assert.Equal(8 * 1024, options.MaxRequestLineSize);
        Assert.Equal(10 * 1024 * 1024, options.MaxRequestBodySize);
        Assert.Equal(100, options.Http2MaxStreamsPerConnection);
        Assert.Equal(4096, options.ListenBacklog);
        Assert.True(options.InlineSocketCompletions);
        Assert.Equal("Http1", options.Protocols);
        Assert.Equal(TimeSpan.FromSeconds(5), options.UpstreamConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.UpstreamActivityTimeout);
    }

    [Fact]
    public void MinimumValues_AreValid()
    {
        var options = new LimitsOptions
        {
            MaxConcurrentConnections = 1,
            MaxNewConnectionsPerSecond = 0,
            MaxNewConnectionsPerSecondPerClient = 0,
            RequestHeadersTimeout = TimeSpan.FromMilliseconds(100),
            KeepAliveTimeout = TimeSpan.FromSeconds(1),
            MinRequestBodyDataRate = 0,
            MinResponseDataRate = 0,
            MinDataRateGracePeriod = TimeSpan.FromSeconds(2),
            MaxRequestHeaderCount = 1,
            MaxRequestHeadersTotalSize = 1024,
            MaxRequestLineSize = 256,
            MaxRequestBodySize = 0,
            Http2MaxStreamsPerConnection = 1,
            ListenBacklog = 16,
            Protocols = "http2",
            UpstreamConnectTimeout = TimeSpan.FromMilliseconds(100),
            UpstreamActivityTimeout = TimeSpan.FromMilliseconds(100),
        };

        Assert.Empty(Validate(options));
    }

    [Fact]
    public void MaximumConnectionRates_AreValid()
    {
        var options = new LimitsOptions { MaxNewConnectionsPerSecond = 1_000_000, MaxNewConnectionsPerSecondPerClient = 1_000_000 };

        Assert.Empty(Validate(options));
    }

    public static TheoryData<LimitsOptions, string, string> Invalid => new()
    {
        { new LimitsOptions { MaxConcurrentConnections = 0 }, "MaxConcurrentConnections", "between 1 and 1000000" },
        { new LimitsOptions { MaxNewConnectionsPerSecond = -1 }, "MaxNewConnectionsPerSecond", "between 0 (off) and 1000000 new connections per second (was -1)" },
        { new LimitsOptions { MaxNewConnectionsPerSecondPerClient = 1_000_001 }, "MaxNewConnectionsPerSecondPerClient", "between 0 (off) and 1000000 new connections per second (was 1000001)" },
        { new LimitsOptions { RequestHeadersTimeout = TimeSpan.FromMilliseconds(99) }, "RequestHeadersTimeout", "between 00:00:00.1000000 and 00:05:00" },
        { new LimitsOptions { KeepAliveTimeout = TimeSpan.FromHours(2) }, "KeepAliveTimeout", "between 00:00:01 and 01:00:00" },
        { new LimitsOptions { MinRequestBodyDataRate = -1 }, "MinRequestBodyDataRate", "between 0 and 1000000" },
        { new LimitsOptions { MinResponseDataRate = double.NaN }, "MinResponseDataRate", "between 0 and 1000000" },
        { new LimitsOptions { MinDataRateGracePeriod = TimeSpan.FromSeconds(1) }, "MinDataRateGracePeriod", "between 00:00:02 and 00:01:00" },
        { new LimitsOptions { MaxRequestHeaderCount = 1001 }, "MaxRequestHeaderCount", "between 1 and 1000" },
        { new LimitsOptions { MaxRequestHeadersTotalSize = 1023 }, "MaxRequestHeadersTotalSize", "between 1024 and 1048576" },
        { new LimitsOptions { MaxRequestLineSize = 255 }, "MaxRequestLineSize", "between 256 and 65536" },
        { new LimitsOptions { MaxRequestBodySize = -1 }, "MaxRequestBodySize", "between 0 and 4294967296" },
        { new LimitsOptions { ListenBacklog = 15 }, "ListenBacklog", "between 16 and 65535" },
        { new LimitsOptions { Http2MaxStreamsPerConnection = 0 }, "Http2MaxStreamsPerConnection", "between 1 and 1000" },
        { new LimitsOptions { Protocols = "Http1AndHttp2" }, "Protocols", "must be 'Http1' or 'Http2'" },
        { new LimitsOptions { UpstreamConnectTimeout = TimeSpan.FromMinutes(2) }, "UpstreamConnectTimeout", "between 00:00:00.1000000 and 00:01:00" },
        { new LimitsOptions { UpstreamActivityTimeout = TimeSpan.Zero }, "UpstreamActivityTimeout", "between 00:00:00.1000000 and 00:10:00" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_Value_IsRefusedWithItsPathAndRange(LimitsOptions options, string key, string reason)
    {
        var error = Assert.Single(Validate(options));

        Assert.Equal($"Gateway:Limits:{key}", error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void KestrelLimits_Apply_SetsEveryLimit()
    {
        var kestrel = new KestrelServerOptions();
        var options = new LimitsOptions { MinResponseDataRate = 0, Protocols = "Http2" };

        KestrelLimits.Apply(kestrel, options);

        Assert.Equal(TimeSpan.FromSeconds(10), kestrel.Limits.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(75), kestrel.Limits.KeepAliveTimeout);
        Assert.Equal(240, kestrel.Limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), kestrel.Limits.MinRequestBodyDataRate.GracePeriod);
        Assert.Null(kestrel.Limits.MinResponseDataRate);
        Assert.Equal(100, kestrel.Limits.MaxRequestHeaderCount);
        Assert.Equal(32 * 1024, kestrel.Limits.MaxRequestHeadersTotalSize);
        Assert.Equal(8 * 1024, kestrel.Limits.MaxRequestLineSize);
        Assert.Equal(10 * 1024 * 1024, kestrel.Limits.MaxRequestBodySize);
        Assert.Equal(100, kestrel.Limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(HttpProtocols.Http2, KestrelLimits.Protocols(options));
        Assert.Equal(HttpProtocols.Http1, KestrelLimits.Protocols(new LimitsOptions()));
    }

    [Fact]
    public void ApplyGatewayDefaults_FillsUnsetBodyLimitAndActivityTimeout_KeepsSetOnes()
    {
        RouteConfig[] routes =
        [
            new() { RouteId = "plain", ClusterId = "c" },
            new() { RouteId = "upload", ClusterId = "c", MaxRequestBodySize = 100_000_000 },
        ];
        ClusterConfig[] clusters =
        [
            new() { ClusterId = "c" },
            new() { ClusterId = "slow", HttpRequest = new() { ActivityTimeout = TimeSpan.FromMinutes(2) } },
        ];

        var (outRoutes, outClusters) = ProxyConfigReader.ApplyGatewayDefaults(routes, clusters, new LimitsOptions { MaxRequestBodySize = 1234 });

        Assert.Equal(1234, outRoutes[0].MaxRequestBodySize);
        Assert.Equal(100_000_000, outRoutes[1].MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromSeconds(30), outClusters[0].HttpRequest!.ActivityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), outClusters[1].HttpRequest!.ActivityTimeout);
    }

    [Fact]
    public void ApplyGatewayDefaults_PolicyIdleTimeout_IsTheActivityTimeoutOfClustersWithoutTheirOwn()
    {
        var policy = new Dictionary<string, string> { ["ResiliencePolicy"] = "STREAMS" };
        ClusterConfig[] clusters =
        [
            new() { ClusterId = "streams", Metadata = policy },
            new() { ClusterId = "own", Metadata = policy, HttpRequest = new() { ActivityTimeout = TimeSpan.FromMinutes(2) } },
            new() { ClusterId = "plain" },
        ];
        var resilience = new ResilienceOptions
        {
            Policies = new Dictionary<string, ResiliencePolicyOptions>(StringComparer.OrdinalIgnoreCase)
            {
                ["streams"] = new() { IdleTimeout = TimeSpan.FromHours(2) },
            },
        };

        var (_, outClusters) = ProxyConfigReader.ApplyGatewayDefaults([], clusters, new LimitsOptions(), resilience);

        Assert.Equal(TimeSpan.FromHours(2), outClusters[0].HttpRequest!.ActivityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), outClusters[1].HttpRequest!.ActivityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), outClusters[2].HttpRequest!.ActivityTimeout);
    }

    [Theory]
    [InlineData(-2L)]
    [InlineData(5_000_000_000L)]
    public void RouteMaxRequestBodySize_OutOfRange_IsRefused(long value)
    {
        RouteConfig[] routes = [new() { RouteId = "r", ClusterId = "c", MaxRequestBodySize = value }];
        ClusterConfig[] clusters = [new() { ClusterId = "c" }];

        var error = Assert.Single(ProxyMetadataValidator.Validate(routes, clusters, new GatewayOptions()));

        Assert.Equal("ReverseProxy:Routes:r:MaxRequestBodySize", error.Path);
        Assert.Contains("or -1 for no limit", error.Reason, StringComparison.Ordinal);
    }
}
