using Gateway.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Resilience;

/// <summary>The breaker's state machine and the filter before load balancing, on fake time.</summary>
public sealed class ClusterResilienceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly DestinationState _a = new("a");
    private readonly DestinationState _b = new("b");

    private ClusterResilience Create(CircuitBreakerOptions? breaker = null) => new(
        "api",
        "p",
        new ResiliencePolicyOptions { CircuitBreaker = breaker ?? new CircuitBreakerOptions() },
        _time,
        new ResilienceMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        NullLogger.Instance);

    private static Task<Outcome<AttemptVerdict>> RunAsync(DestinationCircuit circuit, bool fails) =>
        RunAsync(circuit, fails ? AttemptVerdict.Failure : AttemptVerdict.Success);

    private static async Task<Outcome<AttemptVerdict>> RunAsync(DestinationCircuit circuit, AttemptVerdict verdict)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            return await circuit.Pipeline.ExecuteOutcomeAsync(static (_, verdict) => ValueTask.FromResult(Outcome.FromResult(verdict)), context, verdict);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static async Task RunManyAsync(DestinationCircuit circuit, int count, bool fails)
    {
        for (var i = 0; i < count; i++)
        {
            await RunAsync(circuit, fails);
        }
    }

    [Fact]
    public async Task Breaker_FailureRatioAtThroughput_OpensAndFilterSkipsTheDestination()
    {
        var cluster = Create();
        var circuit = cluster.Circuit(_a);

        await RunManyAsync(circuit, 19, fails: true);
        Assert.Equal(CircuitState.Closed, circuit.State);
        await RunAsync(circuit, fails: true);

        Assert.Equal(CircuitState.Open, circuit.State);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(5), circuit.OpenUntil);
        Assert.Equal(1, cluster.NotClosedCount);
        var available = cluster.FilterAvailable([_a, _b], out _);
        Assert.Same(_b, Assert.Single(available));
        Assert.Empty(cluster.FilterAvailable([_a], out var retryAfter));
        Assert.Equal(5, retryAfter);
        Assert.IsType<BrokenCircuitException>((await RunAsync(circuit, fails: false)).Exception);
    }

    [Fact]
    public async Task Breaker_BelowRatio_StaysClosed()
    {
        var cluster = Create();
        var circuit = cluster.Circuit(_a);
        for (var i = 0; i < 50; i++)
        {
            await RunAsync(circuit, fails: i % 3 == 0);
        }

        Assert.Equal(CircuitState.Closed, circuit.State);
        IReadOnlyList<DestinationState> all = [_a, _b];
        Assert.Same(all, cluster.FilterAvailable(all, out _));
    }

    [Fact]
    public async Task Breaker_FailedProbes_DoubleTheBreakUpToTheMax_SuccessCloses()
    {
        var cluster = Create();
        var circuit = cluster.Circuit(_a);
        await RunManyAsync(circuit, 20, fails: true);
        var expected = new[] { 10, 20, 40, 60, 60 };

        foreach (var seconds in expected)
        {
            var left = circuit.OpenUntil!.Value - _time.GetUtcNow();
            _time.Advance(left - TimeSpan.FromMilliseconds(1));
            Assert.Empty(cluster.FilterAvailable([_a], out _));
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Single(cluster.FilterAvailable([_a], out _));

            await RunAsync(circuit, fails: true);

            Assert.Equal(CircuitState.Open, circuit.State);
            Assert.Equal(TimeSpan.FromSeconds(seconds), circuit.OpenUntil!.Value - _time.GetUtcNow());
        }

        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(AttemptVerdict.Success, (await RunAsync(circuit, fails: false)).Result);
        Assert.Equal(CircuitState.Closed, circuit.State);
        Assert.Equal(0, cluster.NotClosedCount);

        // A later break starts from the base again.
        await RunManyAsync(circuit, 20, fails: true);
        Assert.Equal(TimeSpan.FromSeconds(5), circuit.OpenUntil!.Value - _time.GetUtcNow());
    }

    [Fact]
    public async Task Breaker_LastOpenCircuitCloses_RaisesRecoveredFromOutageOnce()
    {
        var cluster = Create();
        var recovered = new List<string>();
        cluster.RecoveredFromOutage += recovered.Add;
        var a = cluster.Circuit(_a);
        var b = cluster.Circuit(_b);
        await RunManyAsync(a, 20, fails: true);
        await RunManyAsync(b, 20, fails: true);

        _time.Advance(TimeSpan.FromSeconds(5));
        await RunAsync(a, fails: false);
        Assert.Equal(CircuitState.Closed, a.State);
        Assert.Equal(["api"], recovered);

        // b coming back as well is one destination among healthy ones, not the cluster back from an outage.
        await RunAsync(b, fails: false);
        Assert.Equal(CircuitState.Closed, b.State);
        Assert.Single(recovered);
    }

    [Fact]
    public async Task Breaker_OneOfTwoCircuitsOpensAndCloses_IsNoOutage()
    {
        var cluster = Create();
        var recovered = 0;
        cluster.RecoveredFromOutage += _ => recovered++;
        await RunManyAsync(cluster.Circuit(_b), 20, fails: false);
        var a = cluster.Circuit(_a);
        await RunManyAsync(a, 20, fails: true);

        _time.Advance(TimeSpan.FromSeconds(5));
        await RunAsync(a, fails: false);

        Assert.Equal(CircuitState.Closed, a.State);
        Assert.Equal(0, recovered);
    }

    [Fact]
    public async Task Breaker_HalfOpen_LetsOneProbeThroughAndSkipsTheDestinationMeanwhile()
    {
        var cluster = Create();
        var circuit = cluster.Circuit(_a);
        await RunManyAsync(circuit, 20, fails: true);
        _time.Advance(TimeSpan.FromSeconds(5));

        var probeStarted = new TaskCompletionSource();
        var release = new TaskCompletionSource<bool>();
        var context = ResilienceContextPool.Shared.Get();
        var probe = circuit.Pipeline.ExecuteOutcomeAsync(
            async (_, state) =>
            {
                state.probeStarted.SetResult();
                return Outcome.FromResult(await state.release.Task ? AttemptVerdict.Failure : AttemptVerdict.Success);
            },
            context,
            (probeStarted, release)).AsTask();
        await probeStarted.Task;

        Assert.Equal(CircuitState.HalfOpen, circuit.State);
        Assert.Empty(cluster.FilterAvailable([_a], out var retryAfter));
        Assert.Equal(1, retryAfter);
        Assert.IsType<BrokenCircuitException>((await RunAsync(circuit, fails: false)).Exception);

        release.SetResult(false);
        await probe;
        Assert.Equal(CircuitState.Closed, circuit.State);
        Assert.Single(cluster.FilterAvailable([_a], out _));
    }

    [Fact]
    public async Task Breaker_ClientAbortedAttempts_CountNeitherWayWhileClosed()
    {
        var cluster = Create();
        var circuit = cluster.Circuit(_a);

        // Counted as successes, the 30 abandoned attempts would hold the failure share at 0.4, under the 0.5 that opens.
        await RunManyAsync(circuit, 19, fails: true);
        for (var i = 0; i < 30; i++)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(circuit, AttemptVerdict.ClientAborted));
        }

        Assert.Equal(CircuitState.Closed, circuit.State);
        await RunAsync(circuit, fails: true);
        Assert.Equal(CircuitState.Open, circuit.State);
    }

    [Fact]
    public async Task Breaker_HalfOpenProbeClientAborted_StaysHalfOpen_NextRequestProbes()
    {
        var cluster = Create();
        using var transitions = new MetricCollector<long>(
            _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.circuit.transitions");
        var circuit = cluster.Circuit(_a);
        await RunManyAsync(circuit, 20, fails: true);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(AttemptVerdict.ClientAborted, (await RunAsync(circuit, AttemptVerdict.ClientAborted)).Result);

        Assert.Equal(CircuitState.HalfOpen, circuit.State);
        Assert.Equal(1, cluster.NotClosedCount);
        Assert.Single(cluster.FilterAvailable([_a], out _));

        // The next request is the probe, at once; its failure is the first failed probe (10 s, not 20 s).
        Assert.Equal(AttemptVerdict.Failure, (await RunAsync(circuit, fails: true)).Result);
        Assert.Equal(CircuitState.Open, circuit.State);
        Assert.Equal(TimeSpan.FromSeconds(10), circuit.OpenUntil!.Value - _time.GetUtcNow());

        _time.Advance(TimeSpan.FromSeconds(10));
        await RunAsync(circuit, AttemptVerdict.ClientAborted);
        Assert.Equal(CircuitState.HalfOpen, circuit.State);
        await RunAsync(circuit, fails: false);
        Assert.Equal(CircuitState.Closed, circuit.State);

        // A released probe is no transition: open, half-open (probe abandoned, then the next fails), open, half-open, closed.
        var states = transitions.GetMeasurementSnapshot().Select(m => (string)m.Tags["state"]!).ToArray();
        Assert.Equal(["open", "half_open", "open", "half_open", "closed"], states);
    }

    [Fact]
    public async Task Breaker_Transitions_AreCountedOnceEach()
    {
        var cluster = Create();
        using var transitions = new MetricCollector<long>(
            _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.circuit.transitions");
        var circuit = cluster.Circuit(_a);

        await RunManyAsync(circuit, 40, fails: true);
        _time.Advance(TimeSpan.FromSeconds(5));
        await RunAsync(circuit, fails: false);

        var states = transitions.GetMeasurementSnapshot().Select(m => (string)m.Tags["state"]!).ToArray();
        Assert.Equal(["open", "half_open", "closed"], states);
    }

    [Fact]
    public async Task Breaker_Disabled_NeverOpens()
    {
        var cluster = Create(new CircuitBreakerOptions { Enabled = false });
        var circuit = cluster.Circuit(_a);

        await RunManyAsync(circuit, 100, fails: true);

        Assert.Equal(CircuitState.Closed, circuit.State);
    }

    private Microsoft.AspNetCore.Http.DefaultHttpContext RequestWithBudget(ClusterResilience cluster, TimeSpan timeout)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        ProxyRequestState.Of(context).Resilience = new ResilienceScope(cluster, timeout, deadline, CancellationToken.None);
        return context;
    }

    [Fact]
    public void TryAcquireRetry_RetryAfterWithinTheTimeLeft_IsWaitedOut()
    {
        var cluster = Create();
        var context = RequestWithBudget(cluster, TimeSpan.FromSeconds(2));

        Assert.True(cluster.TryAcquireRetry(context, [_a], TimeSpan.FromSeconds(1), out var delay));
        Assert.Equal(TimeSpan.FromSeconds(1), delay);
    }

    [Fact]
    public void TryAcquireRetry_RetryAfterBeyondTheTimeLeft_GivesTheFailureToTheClient()
    {
        var cluster = Create();
        var context = RequestWithBudget(cluster, TimeSpan.FromSeconds(2));
        _time.Advance(TimeSpan.FromSeconds(1.5));

        Assert.False(cluster.TryAcquireRetry(context, [_a], TimeSpan.FromSeconds(1), out _));
    }

    [Fact]
    public async Task TryAcquireRetry_OnlyOpenCandidates_IsRefused()
    {
        var cluster = Create();
        await RunManyAsync(cluster.Circuit(_a), 20, fails: true);
        var context = RequestWithBudget(cluster, TimeSpan.FromSeconds(30));

        Assert.False(cluster.TryAcquireRetry(context, [_a], null, out _));
        Assert.True(cluster.TryAcquireRetry(context, [_a, _b], null, out _));
    }

    [Fact]
    public void TryAcquireRetry_BudgetSpent_IsRefusedAndCounted()
    {
        var cluster = new ClusterResilience(
            "api",
            "p",
            new ResiliencePolicyOptions { Retry = new RetryPolicyOptions { BudgetPercent = 50, MinRetriesPerSecond = 0 } },
            _time,
            new ResilienceMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger.Instance);
        using var exhausted = new MetricCollector<long>(
            _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Gateway", "gateway.retry.budget_exhausted");
        var context = RequestWithBudget(cluster, TimeSpan.FromSeconds(30));
        for (var i = 0; i < 4; i++)
        {
            cluster.Budget.RecordRequest();
        }

        Assert.True(cluster.TryAcquireRetry(context, [_a], null, out _));
        Assert.True(cluster.TryAcquireRetry(context, [_a], null, out _));
        Assert.False(cluster.TryAcquireRetry(context, [_a], null, out _));
        Assert.Equal(1, exhausted.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Theory]
    [InlineData(500, true, false)]
    [InlineData(502, true, true)]
    [InlineData(503, true, true)]
    [InlineData(504, true, false)]
    [InlineData(501, false, false)]
    [InlineData(404, false, false)]
    public void StatusLists_DefaultToTheDocumentedOnes(int status, bool failure, bool retried)
    {
        var cluster = Create();

        Assert.Equal(failure, cluster.IsFailureStatus(status));
        Assert.Equal(retried, cluster.IsRetryableStatus(status));
    }

    [Theory]
    [InlineData(ForwarderError.RequestCanceled, false, nameof(AttemptVerdict.Success))]
    [InlineData(ForwarderError.RequestCanceled, true, nameof(AttemptVerdict.ClientAborted))]
    [InlineData(ForwarderError.RequestBodyCanceled, true, nameof(AttemptVerdict.ClientAborted))]
    [InlineData(ForwarderError.RequestBodyClient, true, nameof(AttemptVerdict.ClientAborted))]
    [InlineData(ForwarderError.ResponseBodyCanceled, true, nameof(AttemptVerdict.ClientAborted))]
    [InlineData(ForwarderError.ResponseBodyClient, true, nameof(AttemptVerdict.ClientAborted))]
    [InlineData(ForwarderError.RequestBodyClient, false, nameof(AttemptVerdict.Success))]
    [InlineData(ForwarderError.Request, true, nameof(AttemptVerdict.Failure))]
    [InlineData(ForwarderError.ResponseBodyDestination, true, nameof(AttemptVerdict.Failure))]
    [InlineData(ForwarderError.RequestTimedOut, false, nameof(AttemptVerdict.Failure))]
    public void JudgeAttempt_ForwarderError_ClientAbortIsNeitherSuccessNorFailure(ForwarderError error, bool clientAborted, string expected)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error));

        Assert.Equal(Enum.Parse<AttemptVerdict>(expected), ClusterResilience.JudgeAttempt(context, static status => status >= 500, clientAborted));
    }

    [Theory]
    [InlineData(200, true, nameof(AttemptVerdict.Success))]
    [InlineData(500, true, nameof(AttemptVerdict.Failure))]
    [InlineData(500, false, nameof(AttemptVerdict.Failure))]
    public void JudgeAttempt_ResponseForwardedInFull_IsJudgedByItsStatus(int status, bool clientAborted, string expected)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Response.StatusCode = status;

        Assert.Equal(Enum.Parse<AttemptVerdict>(expected), ClusterResilience.JudgeAttempt(context, static status => status >= 500, clientAborted));
    }

    public void Dispose() => _services.Dispose();

    private sealed class ErrorFeature(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception => null;
    }
}
