using System.Diagnostics.Metrics;
using Gateway.Telemetry;

namespace Gateway.RateLimiting;

/// <summary>Rate-limit instruments on the <c>Gateway</c> meter.</summary>
internal sealed class RateLimitMetrics
{
    public const string LeaseOperation = "lease";
    public const string HeartbeatOperation = "heartbeat";
    public const string Ok = "ok";
    public const string Error = "error";
    public const string Timeout = "timeout";
    public const string CircuitOpen = "circuit_open";
    public const string OperationTag = "operation";

    private readonly Counter<long> _decisions;
    private readonly Counter<long> _roundTrips;
    private readonly Counter<long> _fallbacks;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _decisions = meter.CreateCounter<long>(
            "gateway.ratelimit.decisions",
            unit: "{decision}",
            description: "Rate-limit decisions, by policy and outcome (allowed or rejected).");
        _roundTrips = meter.CreateCounter<long>(
            "gateway.ratelimit.redis.round_trips",
            unit: "{call}",
            description: "Calls to Redis for global rate limits, by operation (lease or heartbeat) and outcome (ok, error, timeout, circuit_open).");
        _fallbacks = meter.CreateCounter<long>(
            "gateway.ratelimit.redis.fallbacks",
            unit: "{decision}",
            description: "Global-policy decisions taken locally with this instance's share because Redis was unusable, by policy and reason.");
    }

    public void Decided(string policy, bool allowed)
    {
        if (_decisions.Enabled)
        {
            _decisions.Add(
                1,
                new KeyValuePair<string, object?>(RateLimitingConstants.PolicyTag, policy),
                new KeyValuePair<string, object?>(RateLimitingConstants.OutcomeTag, allowed ? RateLimitingConstants.Allowed : RateLimitingConstants.Rejected));
        }
    }

    public void RedisRoundTrip(string operation, string outcome)
    {
        if (_roundTrips.Enabled)
        {
            _roundTrips.Add(
                1,
                new KeyValuePair<string, object?>(OperationTag, operation),
                new KeyValuePair<string, object?>(RateLimitingConstants.OutcomeTag, outcome));
        }
    }

    public void FellBack(string policy, string reason)
    {
        if (_fallbacks.Enabled)
        {
            _fallbacks.Add(
                1,
                new KeyValuePair<string, object?>(RateLimitingConstants.PolicyTag, policy),
                new KeyValuePair<string, object?>(RateLimitingConstants.ReasonTag, reason));
        }
    }
}
