using System.Diagnostics.Metrics;

namespace Gateway.Telemetry;

/// <summary>
/// Feeds <see cref="TrafficStats"/> from ASP.NET Core's own measurement of every request,
/// <c>http.server.request.duration</c>, which the hosting layer records once a request has ended (status, route and
/// the tags steps added). Listening to it costs a callback per request, where a middleware around the pipeline cost
/// an async frame and its state machine on every proxied request (about 0.6 µs, the largest step of the gateway with
/// no policy in issue 16's profile by step).
/// </summary>
/// <remarks>
/// Only this gateway's own meters are heard (their scope is its <see cref="IMeterFactory"/>), so test hosts sharing a
/// process count only their own requests. Requests on the admin listener carry <see cref="MetricTags.Listener"/> and
/// are left out, as the console's own polling would show up as traffic; the gateway's answers carry
/// <see cref="MetricTags.Reason"/>, added by <c>GatewayResponseWriter</c>, so a backend's own
/// <c>X-Gateway-Reason</c> never counts as a refusal.
/// </remarks>
internal sealed class RequestDurationFeed : IDisposable
{
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string RequestDuration = "http.server.request.duration";

    private readonly MeterListener _listener = new();
    private readonly TrafficStats _stats;

    public RequestDurationFeed(TrafficStats stats, IMeterFactory meters)
    {
        _stats = stats;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is Histogram<double> &&
                instrument.Name == RequestDuration &&
                instrument.Meter.Name == HostingMeter &&
                ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<double>(static (_, seconds, tags, state) => ((RequestDurationFeed)state!).Heard(seconds, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private void Heard(double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var status = 0;
        string? reason = null;
        foreach (var (key, value) in tags)
        {
            switch (key)
            {
                case MetricTags.StatusCode:
                    status = value is int code ? code : 0;
                    break;
                case MetricTags.Reason:
                    reason = value as string;
                    break;
                case MetricTags.Listener:
                    return;
            }
        }

        _stats.Record(seconds, status, reason);
    }
}
