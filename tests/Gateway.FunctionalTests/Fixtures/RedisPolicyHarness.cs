using System.Diagnostics.Metrics;
using Gateway.Configuration;
using Gateway.RateLimiting;
using Gateway.Redis;
using Gateway.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A gateway's Redis connection of its own on a real redis-server, without a host: for tests that drive Global
/// rate-limit policies directly (thousands of decisions in milliseconds, no HTTP). Each harness is one "instance"
/// with its own instance id, so two harnesses share a limit as two gateways do.
/// </summary>
internal sealed class RedisPolicyHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ConfigSnapshotSource _config;

    private RedisPolicyHarness(ServiceProvider services, ConfigSnapshotSource config, RedisConnection connection, RateLimitMetrics metrics)
    {
        _services = services;
        _config = config;
        Connection = connection;
        Metrics = metrics;
    }

    public RedisConnection Connection { get; }

    public RateLimitMetrics Metrics { get; }

    /// <summary>The meter factory the harness's instruments come from, for a <see cref="MeterListener"/> of this harness only.</summary>
    public IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    /// <param name="timeout">
    /// The per-call bound; 1 s (the most allowed) by default: on a shared 2-core machine a cold call can miss a few
    /// ms, and a decision taken locally would make a test about Redis's answer flaky.
    /// </param>
    public static async Task<RedisPolicyHarness> ConnectAsync(string configuration, TimeSpan? timeout = null, string? keyPrefix = null)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var config = new ConfigSnapshotSource(
            new ConfigurationBuilder().Build(), services, new GatewayMetrics(meters), TimeProvider.System, NullLogger<ConfigSnapshotSource>.Instance);
        var options = new RedisOptions
        {
            Configuration = configuration,
            Timeout = timeout ?? TimeSpan.FromSeconds(1),
            KeyPrefix = keyPrefix ?? $"test:{Guid.NewGuid():N}:",
        };
        var connection = new RedisConnection(
            options, config, TimeProvider.System, new RedisMetrics(meters), [new RedisLeaseWarmUp()], NullLogger<RedisConnection>.Instance);
        var harness = new RedisPolicyHarness(services, config, connection, new RateLimitMetrics(meters));
        await connection.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!connection.IsAvailable)
        {
            if (DateTime.UtcNow > deadline)
            {
                await harness.DisposeAsync();
                throw new TimeoutException("The harness did not connect to Redis within 15 s.");
            }

            await Task.Delay(20);
        }

        return harness;
    }

    public GlobalRateLimitPolicy Policy(string name, RateLimitPolicyOptions options) =>
        new(name, RateLimitingTableSource.Normalize(options with { Scope = "Global" }), Connection, Metrics, TimeProvider.System);

    /// <summary>Waits until this instance's heartbeat counts <paramref name="instances"/> live instances.</summary>
    public async Task WaitForLiveInstancesAsync(int instances)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Connection.LiveInstances != instances)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Connection.LiveInstances} live instances, not {instances}, after 15 s.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.StopAsync(CancellationToken.None);
        Connection.Dispose();
        _config.Dispose();
        await _services.DisposeAsync();
    }
}
