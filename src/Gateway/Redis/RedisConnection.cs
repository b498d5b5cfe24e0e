using Gateway.Utilities;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>What the gateway knows about Redis right now, for <c>/readyz</c> and the decision path.</summary>
internal enum RedisState
{
    NotConfigured,
    Connecting,
    Connected,
    Disconnected,
    CircuitOpen,
}

/// <summary>
/// The gateway's one Redis connection (one shared <see cref="ConnectionMultiplexer"/>, pipelined), shared by every
/// feature that uses Redis: the circuit breaker around it, the per-call time bound, and the heartbeat that tells
/// each instance how many live instances share a global limit. Redis being dead, slow or absent never fails a
/// request: callers get <c>null</c> and decide locally.
/// </summary>
internal sealed class RedisConnection : IHostedService, IDisposable
{
    private readonly RedisOptions _options;
    private readonly IConfigSource _config;
    private readonly TimeProvider _time;
    private readonly RedisMetrics _metrics;
    private readonly IRedisWarmUp[] _warmUps;
    private readonly ILogger<RedisConnection> _logger;
    private readonly CircuitBreakerStateProvider _breakerState = new();
    private readonly ResiliencePipeline _pipeline;
    private readonly RedisKey[] _instancesKey;
    private readonly RedisValue[] _heartbeatArgs;
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _connection;
    private ITimer? _heartbeat;
    private int _liveInstances = 1;
    private int _disposed;

    public RedisConnection(RedisOptions options, IConfigSource config, TimeProvider time, RedisMetrics metrics, IEnumerable<IRedisWarmUp> warmUps, ILogger<RedisConnection> logger)
    {
        _options = options;
        _config = config;
        _time = time;
        _metrics = metrics;
        _warmUps = [.. warmUps];
        _logger = logger;
        InstanceId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        _instancesKey = [options.KeyPrefix + RedisConstants.InstancesKey];
        _heartbeatArgs = [InstanceId, (long)RedisConstants.InstanceLiveness.TotalMilliseconds];
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = RedisConstants.BreakerFailureRatio,
                MinimumThroughput = RedisConstants.BreakerMinimumThroughput,
                SamplingDuration = RedisConstants.BreakerSamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = _breakerState,
                OnOpened = args =>
                {
                    Log.RedisCircuitOpened(_logger, args.BreakDuration, args.Outcome.Exception?.Message ?? "failure");
                    return default;
                },
                OnClosed = _ =>
                {
                    Log.RedisCircuitClosed(_logger);
                    return default;
                },
            })
            .Build();
        config.Applied += OnApplied;
    }

    public string InstanceId { get; }

    /// <summary>The shared connection once made (it may be disconnected); null before, or when not configured.</summary>
    public ConnectionMultiplexer? Connection => Volatile.Read(ref _connection);

    public RedisOptions Options => _options;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(_options.Configuration);

    /// <summary>Live gateway instances sharing global limits (from the heartbeat); 1 until the first one.</summary>
    public int LiveInstances => Volatile.Read(ref _liveInstances);

    public RedisState State
    {
        get
        {
            if (!IsConfigured)
            {
                return RedisState.NotConfigured;
            }

            var connection = Volatile.Read(ref _connection);
            if (connection is null)
            {
                return RedisState.Connecting;
            }

            if (!connection.IsConnected)
            {
                return RedisState.Disconnected;
            }

            return _breakerState.CircuitState == CircuitState.Open ? RedisState.CircuitOpen : RedisState.Connected;
        }
    }

    /// <summary>Whether a call may be tried now: connected and the circuit not open.</summary>
    public bool IsAvailable => State == RedisState.Connected;

    /// <summary>Why the last call could not be tried, for the fallback metric.</summary>
    public string UnavailableReason => State switch
    {
        RedisState.NotConfigured => "not_configured",
        RedisState.CircuitOpen => "circuit_open",
        _ => "disconnected",
    };

    private void OnApplied(IAppliedConfig snapshot)
    {
        if (snapshot.Section<RedisOptions>() != _options)
        {
            Log.RedisRestartRequired(_logger);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            return Task.CompletedTask;
        }

        // Connecting waits for Redis; start-up must not. Until connected every decision is local.
        _ = ConnectAsync();
        _heartbeat = _time.CreateTimer(static s => _ = ((RedisConnection)s!).HeartbeatAsync(), this, TimeSpan.Zero, RedisConstants.HeartbeatInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _heartbeat?.Dispose();
        if (Volatile.Read(ref _disposed) == 0)
        {
            await _stopping.CancelAsync();
        }

        if (Volatile.Read(ref _connection) is { IsConnected: true } connection)
        {
            // Leave the instances set so the others' shares grow at once rather than after the liveness window.
            try
            {
                await connection.GetDatabase().SortedSetRemoveAsync(_instancesKey[0], InstanceId)
                    .WaitAsync(RedisConstants.HeartbeatTimeout, _time, cancellationToken);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
            }
        }
    }

    private async Task ConnectAsync()
    {
        try
        {
            var options = ConfigurationOptions.Parse(_options.Configuration!);
            options.AbortOnConnectFail = false;
            // A command on a broken connection fails at once instead of queueing behind the reconnect.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ReconnectRetryPolicy = new LinearRetry(1000);
            var connection = await ConnectionMultiplexer.ConnectAsync(options);
            connection.ConnectionFailed += (_, e) => Log.RedisConnectionFailed(_logger, e.EndPoint, e.FailureType);
            connection.ConnectionRestored += (_, e) =>
            {
                Log.RedisConnectionRestored(_logger, e.EndPoint);
                // A restarted Redis has lost the scripts; load them again before requests need them.
                _ = WarmUpAsync(connection);
            };
            if (_stopping.IsCancellationRequested)
            {
                await connection.DisposeAsync();
                return;
            }

            Volatile.Write(ref _connection, connection);
            Log.RedisConnecting(_logger, connection.IsConnected);
            await WarmUpAsync(connection);
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException)
        {
            Log.RedisConfigurationFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Loads the scripts (compiling Lua takes longer than the per-call bound) so that requests send EVALSHA, runs
    /// the first heartbeat, which also compiles this path, then each feature's own warm-up.
    /// </summary>
    private async Task WarmUpAsync(ConnectionMultiplexer connection)
    {
        try
        {
            foreach (var endpoint in connection.GetEndPoints())
            {
                var server = connection.GetServer(endpoint);
                if (server.IsConnected)
                {
                    foreach (var warmUp in _warmUps)
                    {
                        foreach (var script in warmUp.Scripts)
                        {
                            await server.ScriptLoadAsync(script);
                        }
                    }

                    await server.ScriptLoadAsync(RedisHeartbeat.Script);
                }
            }
        }
        catch (RedisException)
        {
            // Not warmed: the first calls may time out and be decided locally; nothing else changes.
        }

        await HeartbeatAsync();
        foreach (var warmUp in _warmUps)
        {
            await warmUp.WarmUpAsync(this);
        }
    }

    private async Task HeartbeatAsync()
    {
        if (!IsAvailable && State != RedisState.CircuitOpen)
        {
            return;
        }

        var result = await EvaluateAsync(RedisHeartbeat.Script, _instancesKey, _heartbeatArgs, RedisConstants.HeartbeatTimeout, RedisMetrics.HeartbeatOperation);
        if (result is not null)
        {
            var live = (int)Math.Max(1, (long)result);
            if (Interlocked.Exchange(ref _liveInstances, live) != live)
            {
                Log.LiveInstancesChanged(_logger, live);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="script"/> through the circuit breaker, waiting at most <paramref name="timeout"/>.
    /// Returns null when Redis is not usable, failed, or was too slow; the caller decides locally. The round trip
    /// is counted under <paramref name="operation"/> (null: counted only when it fails, as <c>warm_up</c>).
    /// </summary>
    public async Task<RedisResult?> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args, TimeSpan timeout, string? operation)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null || !connection.IsConnected)
        {
            return null;
        }

        var context = ResilienceContextPool.Shared.Get();
        try
        {
            var state = new CallState(connection.GetDatabase(), script, keys, args, timeout, _time);
            var outcome = await _pipeline.ExecuteOutcomeAsync(static (_, s) => InvokeAsync(s), context, state);
            if (outcome.Exception is null)
            {
                if (operation is not null)
                {
                    _metrics.RoundTrip(operation, RedisMetrics.Ok);
                }

                return outcome.Result;
            }

            _metrics.RoundTrip(operation ?? RedisMetrics.WarmUpOperation, outcome.Exception switch
            {
                BrokenCircuitException => RedisMetrics.CircuitOpen,
                TimeoutException => RedisMetrics.Timeout,
                _ => RedisMetrics.Error,
            });
            return null;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static async ValueTask<Outcome<RedisResult>> InvokeAsync(CallState s)
    {
        var call = s.Database.ScriptEvaluateAsync(s.Script, s.Keys, s.Args);
        try
        {
            return Outcome.FromResult(await call.WaitAsync(s.Timeout, s.Time));
        }
        catch (Exception ex)
        {
            if (!call.IsCompleted)
            {
                // The abandoned call may still fail later; observe it so it is not reported as unobserved.
                _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return Outcome.FromException<RedisResult>(ex);
        }
    }

    private readonly record struct CallState(IDatabase Database, string Script, RedisKey[] Keys, RedisValue[] Args, TimeSpan Timeout, TimeProvider Time);

    public void Dispose()
    {
        // Registered as itself and as a hosted service: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _config.Applied -= OnApplied;
        _heartbeat?.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
        Volatile.Read(ref _connection)?.Dispose();
    }
}
