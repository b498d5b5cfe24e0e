using Gateway.Shutdown;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shutdown;

/// <summary>The drain's order with fake time: readiness first, then the delay, then the server may stop.</summary>
public sealed class DrainDelayServiceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly DrainState _state = new();
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);

    public void Dispose() => _state.Dispose();

    private DrainDelayService Service(TimeSpan drainDelay) => new(
        _state, new ShutdownOptions { DrainDelay = drainDelay }, _lifetime, _time, NullLogger<DrainDelayService>.Instance);

    [Fact]
    public async Task ApplicationStopping_MarksDrainingAtOnce_ReadinessUnhealthy()
    {
        var service = Service(TimeSpan.FromSeconds(5));
        var check = new DrainHealthCheck(_state);
        await service.StartedAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        _lifetime.StopApplication();

        Assert.True(_state.IsDraining);
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task StoppingAsync_HoldsTheStopForTheDrainDelay()
    {
        var stopping = Service(TimeSpan.FromSeconds(5)).StoppingAsync(CancellationToken.None);

        Assert.True(_state.IsDraining);
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(stopping.IsCompleted);
        Assert.False(_state.DelayOver.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(_state.DelayOver.IsCancellationRequested, "upgraded connections are told the delay is over");
    }

    [Fact]
    public async Task StoppingAsync_ZeroDelay_ReturnsAtOnce()
    {
        await Service(TimeSpan.Zero).StoppingAsync(CancellationToken.None);

        Assert.True(_state.IsDraining);
        Assert.True(_state.DelayOver.IsCancellationRequested);
    }

    [Fact]
    public async Task StoppingAsync_ShutdownTimeoutRunsOut_StopsWithoutThrowing()
    {
        using var timeout = new CancellationTokenSource();
        var stopping = Service(TimeSpan.FromMinutes(1)).StoppingAsync(timeout.Token);

        await timeout.CancelAsync();

        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("HTTP/1.1", true)]
    [InlineData("HTTP/1.0", true)]
    [InlineData("HTTP/2", false)]
    public async Task ConnectionClose_WhileDraining_OnlyOnHttp1(string protocol, bool expected)
    {
        var middleware = new DrainConnectionCloseMiddleware(_ => Task.CompletedTask, _state);
        var before = new DefaultHttpContext();
        before.Request.Protocol = protocol;
        await middleware.InvokeAsync(before);
        Assert.False(before.Response.Headers.ContainsKey("Connection"));

        _state.Begin();
        var during = new DefaultHttpContext();
        during.Request.Protocol = protocol;
        await middleware.InvokeAsync(during);

        Assert.Equal(expected, during.Response.Headers.Connection == "close");
    }
}
