using Gateway.Configuration;
using Gateway.Utilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Configuration;

public sealed class ConfigSnapshotSourceTests : IAsyncDisposable
{
    private static readonly Dictionary<string, string?> s_valid = new()
    {
        ["ReverseProxy:Routes:r1:ClusterId"] = "c1",
        ["ReverseProxy:Routes:r1:Match:Path"] = "/one/{**rest}",
        ["ReverseProxy:Clusters:c1:Destinations:d1:Address"] = "http://127.0.0.1:1/",
        ["ReverseProxy:Clusters:c1:Destinations:d1:Metadata:Region"] = "eu-west",
        ["ReverseProxy:Clusters:c1:Metadata:FailoverPolicy"] = "eu-first",
        ["Gateway:Failover:Policies:eu-first:Regions:0"] = "eu-west",
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly WebApplication _app;
    private readonly ConfigurationManager _configuration;

    public ConfigSnapshotSourceTests()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(s_valid);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddGateway(builder.Configuration);
        _configuration = builder.Configuration;
        _app = builder.Build();
    }

    private ConfigSnapshotSource Source => _app.Services.GetRequiredService<ConfigSnapshotSource>();

    private MetricCollector<long> ReloadCounter() =>
        new(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.config.reloads");

    [Fact]
    public async Task Initialize_ValidConfig_AppliesRevisionOne()
    {
        using var reloads = ReloadCounter();

        var errors = await Source.InitializeAsync(watch: false);

        Assert.Empty(errors);
        Assert.Equal(1, Source.Current.Revision);
        Assert.Equal(_time.GetUtcNow(), Source.Current.AppliedAt);
        Assert.Equal("/one/{**rest}", Assert.Single(Source.Current.Routes).Match.Path);
        var measurement = Assert.Single(reloads.GetMeasurementSnapshot());
        Assert.Equal("applied", measurement.Tags["outcome"]);
    }

    [Fact]
    public async Task Reload_InvalidChange_KeepsServingSnapshotAndReportsEveryError()
    {
        await Source.InitializeAsync(watch: false);
        var before = Source.Current;
        using var reloads = ReloadCounter();
        _configuration["ReverseProxy:Routes:r1:Match:Path"] = "/two/{**rest}";
        _configuration["ReverseProxy:Clusters:c1:Metadata:FailoverPolicy"] = "missing";
        _configuration["Gateway:Failover:Policies:eu-first:MinHealthyFraction"] = "2";
        _time.Advance(TimeSpan.FromSeconds(5));

        var report = await Source.ReloadAsync();

        Assert.Equal(ConfigReloadOutcome.Rejected, report.Outcome);
        Assert.Equal(1, report.ServingRevision);
        Assert.Equal(_time.GetUtcNow(), report.At);
        Assert.Equal(
            ["Gateway:Failover:Policies:eu-first:MinHealthyFraction", "ReverseProxy:Clusters:c1:Metadata:FailoverPolicy"],
            report.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Same(before, Source.Current);
        Assert.Equal("/one/{**rest}", Source.Current.Routes[0].Match.Path);
        Assert.False(before.ChangeToken.HasChanged);
        Assert.Equal("rejected", Assert.Single(reloads.GetMeasurementSnapshot()).Tags["outcome"]);
    }

    [Fact]
    public async Task Reload_ValidChange_SwapsSnapshotAndSignalsYarp()
    {
        await Source.InitializeAsync(watch: false);
        var before = Source.Current;
        IAppliedConfig? announced = null;
        Source.Applied += snapshot => announced = snapshot;
        _configuration["ReverseProxy:Routes:r1:Match:Path"] = "/two/{**rest}";

        var report = await Source.ReloadAsync();

        Assert.Equal(ConfigReloadOutcome.Applied, report.Outcome);
        Assert.Equal(2, Source.Current.Revision);
        Assert.Equal("/two/{**rest}", Source.Current.Routes[0].Match.Path);
        Assert.True(before.ChangeToken.HasChanged);
        Assert.Same(Source.Current, announced);
    }

    [Fact]
    public async Task Reload_UnchangedInput_IsNotAttemptedAgain()
    {
        await Source.InitializeAsync(watch: false);
        var first = Source.LastReload;
        using var reloads = ReloadCounter();
        _configuration["Logging:LogLevel:Default"] = "Debug";

        var report = await Source.ReloadAsync();

        Assert.Same(first, report);
        Assert.Equal(1, Source.Current.Revision);
        Assert.Empty(reloads.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Reload_YarpRejectsRoute_IsRefusedWithYarpsMessage()
    {
        await Source.InitializeAsync(watch: false);
        _configuration["ReverseProxy:Routes:r1:Match:Path"] = null;
        _configuration["ReverseProxy:Routes:r1:Match:Methods:0"] = "GET";

        var report = await Source.ReloadAsync();

        var error = Assert.Single(report.Errors);
        Assert.Equal("ReverseProxy:Routes:r1", error.Path);
        Assert.Contains("Hosts or Path", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_InvalidConfig_ReturnsErrorsAndHasNoSnapshot()
    {
        _configuration["Gateway:Failover:Policies:eu-first:Regions:0"] = "us-east";

        var errors = await Source.InitializeAsync(watch: false);

        Assert.Equal("ReverseProxy:Clusters:c1:Destinations:d1:Metadata:Region", Assert.Single(errors).Path);
        Assert.Throws<InvalidOperationException>(() => Source.Current);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
