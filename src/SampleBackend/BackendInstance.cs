using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace SampleBackend;

/// <summary>
/// One simulated backend instance on its own listener, so that "down" can really close its port (clients see
/// connection refused) and "up" can open it again, while the rest of the process keeps serving.
/// </summary>
public sealed class BackendInstance : IAsyncDisposable
{
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly IPAddress _address;
    private WebApplication? _app;

    public BackendInstance(InstanceSpec spec, IPAddress address, int capacity, TimeSpan serviceTime)
    {
        Name = spec.Name;
        Region = spec.Region;
        Port = spec.Port;
        _address = address;
        Capacity = new CapacityModel(capacity, serviceTime);
    }

    public string Name { get; }

    public string Region { get; }

    /// <summary>The bound port; the real one after start when the spec asked for port 0.</summary>
    public int Port { get; private set; }

    public Uri Url => new($"http://{_address}:{Port}/");

    public FaultState Faults { get; } = new();

    public CapacityModel Capacity { get; }

    public bool IsUp => _app is not null;

    public async Task UpAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is not null)
            {
                return;
            }

            var app = InstanceApp.Build(this, _address, Port);
            await app.StartAsync();
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Port = new Uri(bound).Port;
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Closes the listener and aborts open connections at once, like a crashed process.</summary>
    public async Task DownAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is not { } app)
            {
                return;
            }

            _app = null;
            using var now = new CancellationTokenSource();
            await now.CancelAsync();
            await app.StopAsync(now.Token);
            await app.DisposeAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public object Describe() => new
    {
        name = Name,
        region = Region,
        port = Port,
        up = IsUp,
        errorRate = Faults.ErrorRate,
        errorStatus = Faults.ErrorStatus,
        latencyMs = Faults.LatencyMs,
        hang = Faults.Hang,
        reset = Faults.Reset,
        resetMidBody = Faults.ResetMidBody,
        capacity = Capacity.Capacity,
        serviceTimeMs = Capacity.ServiceTime.TotalMilliseconds,
        inService = Capacity.InService,
        queued = Capacity.Queued,
        peakQueued = Capacity.PeakQueued,
        served = Capacity.Served,
        abandoned = Capacity.Abandoned,
    };

    public async ValueTask DisposeAsync()
    {
        await DownAsync();
        _lifecycle.Dispose();
        Capacity.Dispose();
    }
}
