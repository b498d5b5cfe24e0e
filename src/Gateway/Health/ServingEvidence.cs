using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Model;

namespace Gateway.Health;

/// <summary>
/// What traffic and probes showed of each destination lately, beside YARP's health states: when it last served a
/// proxied request, last took a connection, last refused one. Requests that succeed are evidence of health that an
/// active probe timing out behind them on an overloaded backend does not outweigh; a refused connection is evidence
/// of a dead one that panic mode must not route to.
/// </summary>
internal sealed class ServingEvidence(TimeProvider time)
{
    private readonly ConditionalWeakTable<DestinationState, Entry> _entries = new();
    private readonly long _window = (long)(HealthConstants.ServingEvidenceWindow.TotalSeconds * time.TimestampFrequency);

    /// <summary>A proxied request got a non-5xx answer from the destination.</summary>
    public void Served(DestinationState destination)
    {
        var entry = Get(destination);
        var now = time.GetTimestamp();
        Volatile.Write(ref entry.LastServed, now);
        Volatile.Write(ref entry.LastReached, now);
    }

    /// <summary>A request or probe got an answer of any status from the destination: it takes connections.</summary>
    public void Reached(DestinationState destination) => Volatile.Write(ref Get(destination).LastReached, time.GetTimestamp());

    /// <summary>A request or probe could not connect: refused, or no connection within the connect timeout.</summary>
    public void Refused(DestinationState destination) => Volatile.Write(ref Get(destination).LastRefused, time.GetTimestamp());

    /// <summary>Whether the destination served a request within <see cref="HealthConstants.ServingEvidenceWindow"/> and has not refused a connection since.</summary>
    public bool IsServing(DestinationState destination, long now) =>
        _entries.TryGetValue(destination, out var entry) &&
        Volatile.Read(ref entry.LastServed) is var served and > 0 &&
        now - served <= _window &&
        served >= Volatile.Read(ref entry.LastRefused);

    /// <summary>Whether the destination's last word was a refused connection.</summary>
    public bool IsRefusing(DestinationState destination) =>
        _entries.TryGetValue(destination, out var entry) && Volatile.Read(ref entry.LastRefused) > Volatile.Read(ref entry.LastReached);

    private Entry Get(DestinationState destination) => _entries.GetValue(destination, static _ => new Entry());

    private sealed class Entry
    {
        public long LastServed;
        public long LastReached;
        public long LastRefused;
    }
}
