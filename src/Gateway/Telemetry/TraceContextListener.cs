using System.Diagnostics;

namespace Gateway.Telemetry;

/// <summary>
/// Makes ASP.NET Core start a propagation-only <see cref="Activity"/> per request when no tracer is configured, so the
/// gateway is a hop in the caller's W3C trace (a new span id under the caller's trace id, or a new trace when the
/// caller sent none) and YARP forwards that context to the backend. Propagation-only activities record no tags or
/// events, which keeps them far cheaper than the hosting logger's activity and log scope they replace.
/// </summary>
internal sealed class TraceContextListener : IHostedService, IDisposable
{
    private const string AspNetCoreSource = "Microsoft.AspNetCore";
    private ActivityListener? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == AspNetCoreSource,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener?.Dispose();
}
