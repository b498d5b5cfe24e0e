using System.Diagnostics.Metrics;
using Gateway.Redis;
using Gateway.Telemetry;

namespace Gateway.RateLimiting;

/// <summary>Rate-limit instruments on the <c>Gateway</c> meter.</summary>
internal sealed class RateLimitMetrics
{
    public const string LeaseOperation = "lease";
    public const string ReturnOperation = "return";
    public const string Error = RedisMetrics.Error;
    public const string Timeout = RedisMetrics.Timeout;

    /// <summary>A new partition over <see cref="RateLimitingConstants.MaxNewGlobalPartitionsPerSecond"/>.</summary>
    public const string NewPartitionRate = "new_partition_rate";

    private readonly Counter<long> _decisions;
    private readonly Counter<long> _fallbacks;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        _decisions = meter.CreateCounter<long>(
            "gateway.ratelimit.decisions",
            unit: "{decision}",
            description: "Rate-limit decisions, by policy and outcome (allowed or rejected).");
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
                new KeyValuePair<string, object?>(MetricTags.RateLimitPolicy, policy),
                new KeyValuePair<string, object?>(MetricTags.Outcome, allowed ? RateLimitingConstants.Allowed : RateLimitingConstants.Rejected));
        }
    }

    public void FellBack(string policy, string reason)
    {
        if (_fallbacks.Enabled)
        {
            _fallbacks.Add(
                1,
                new KeyValuePair<string, object?>(MetricTags.RateLimitPolicy, policy),
                new KeyValuePair<string, object?>(MetricTags.RateLimitFallbackReason, reason));
        }
    }
}
