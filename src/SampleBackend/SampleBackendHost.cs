using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace SampleBackend;

/// <summary>Runs several backend instances, and optionally the control listener, in one process.</summary>
public sealed class SampleBackendHost : IAsyncDisposable
{
    private WebApplication? _control;

    private SampleBackendHost(IReadOnlyList<BackendInstance> instances) => Instances = instances;

    public IReadOnlyList<BackendInstance> Instances { get; }

    /// <summary>The control listener's URL, when one was started.</summary>
    public Uri? ControlUrl { get; private set; }

    public static async Task<SampleBackendHost> StartAsync(SampleBackendOptions options)
    {
        var host = new SampleBackendHost(options.Instances
            .Select(spec => new BackendInstance(spec, options.Address, options.Capacity, options.ServiceTime))
            .ToList());
        foreach (var instance in host.Instances)
        {
            await instance.UpAsync();
        }

        if (options.ControlPort is { } controlPort)
        {
            host._control = ControlApp.Build(host, options.Address, controlPort);
            await host._control.StartAsync();
            var bound = host._control.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            host.ControlUrl = new Uri(bound);
        }

        return host;
    }

    public BackendInstance? Find(string name) =>
        Instances.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));

    public IReadOnlyList<BackendInstance> InRegion(string region) =>
        Instances.Where(i => string.Equals(i.Region, region, StringComparison.OrdinalIgnoreCase)).ToList();

    public async ValueTask DisposeAsync()
    {
        if (_control is not null)
        {
            await _control.StopAsync();
            await _control.DisposeAsync();
        }

        foreach (var instance in Instances)
        {
            await instance.DisposeAsync();
        }
    }
}

/// <summary>How to run the sample backend.</summary>
/// <param name="Capacity">Requests in service at once per instance; more wait in an unbounded queue.</param>
/// <param name="ServiceTime">How long one request takes to serve when nothing is queued.</param>
/// <param name="ControlPort">The control listener's port; null for none, 0 for any free port.</param>
public sealed record SampleBackendOptions(
    IReadOnlyList<InstanceSpec> Instances,
    int Capacity = 64,
    TimeSpan ServiceTime = default,
    int? ControlPort = null)
{
    public IPAddress Address { get; init; } = IPAddress.Loopback;
}
