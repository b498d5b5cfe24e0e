using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.Redis;

/// <summary>Instruments of the shared Redis connection on the <c>Gateway</c> meter.</summary>
internal sealed class RedisMetrics
{
    public const string HeartbeatOperation = "heartbeat";
    public const string WarmUpOperation = "warm_up";
    public const string PacingOperation = "pacing";
    public const string Ok = "ok";
    public const string Error = "error";
    public const string Timeout = "timeout";
    public const string CircuitOpen = "circuit_open";

    private readonly Counter<long> _roundTrips;

    public RedisMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);

        // The name predates the Redis feature (global rate limits were its first user); dashboards and alerts use it.
        _roundTrips = meter.CreateCounter<long>(
            "gateway.ratelimit.redis.round_trips",
            unit: "{call}",
            description: "Calls to Redis, by operation (lease, return, heartbeat or pacing) and outcome (ok, error, timeout, circuit_open).");
    }

    public void RoundTrip(string operation, string outcome)
    {
        if (_roundTrips.Enabled)
        {
            _roundTrips.Add(
                1,
                new KeyValuePair<string, object?>(MetricTags.RedisOperation, operation),
                new KeyValuePair<string, object?>(MetricTags.Outcome, outcome));
        }
    }
}
