using SampleBackend;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>Starts real sample-backend instances on free loopback ports.</summary>
public static class Backends
{
    /// <param name="specs">Instances as <c>name@region</c>.</param>
    public static Task<SampleBackendHost> StartAsync(params string[] specs) =>
        StartAsync(capacity: 64, serviceTime: TimeSpan.Zero, specs);

    public static Task<SampleBackendHost> StartAsync(int capacity, TimeSpan serviceTime, params string[] specs)
    {
        var instances = specs.Select(s =>
        {
            var at = s.IndexOf('@', StringComparison.Ordinal);
            // A fixed free port, not 0: a downed instance must get its own port back, and a kernel-picked port can
            // be taken by another test's outgoing connection while the instance is down.
            return new InstanceSpec(s[..at], s[(at + 1)..], FreePort.Next());
        }).ToList();
        return SampleBackendHost.StartAsync(new SampleBackendOptions(instances, capacity, serviceTime, ControlPort: 0));
    }
}
