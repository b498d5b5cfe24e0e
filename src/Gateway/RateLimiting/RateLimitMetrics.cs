using System.Collections.Concurrent;
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

    private readonly Counter<long> _fallbacks;

    // Decisions by policy, counted per request with one increment and read by the meter when it collects: a counter
    // update with its two tags cost every allowed request of a limited route a tag lookup in each listener (about a
    // tenth of a microsecond in OpenTelemetry's aggregator, per the profile of issue 16). Policies are never removed,
    // so a policy taken out and put back by reloads keeps counting up, as a monotonic counter must.
    private readonly ConcurrentDictionary<string, RateLimitDecisionCounts> _decisions = new(StringComparer.Ordinal);

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TelemetryConstants.MeterName);
        meter.CreateObservableCounter(
            "gateway.ratelimit.decisions",
            ObserveDecisions,
            unit: "{decision}",
            description: "Rate-limit decisions, by policy and outcome (allowed or rejected).");
        _fallbacks = meter.CreateCounter<long>(
            "gateway.ratelimit.redis.fallbacks",
            unit: "{decision}",
            description: "Global-policy decisions taken locally with this instance's share because Redis was unusable, by policy and reason.");
    }

    /// <summary>The counts of <paramref name="policy"/>'s decisions, which a route's limit keeps to count into.</summary>
    public RateLimitDecisionCounts CountsOf(string policy) => _decisions.GetOrAdd(policy, static _ => new RateLimitDecisionCounts());

    private IEnumerable<Measurement<long>> ObserveDecisions()
    {
        foreach (var (policy, counts) in _decisions)
        {
            var tag = new KeyValuePair<string, object?>(MetricTags.RateLimitPolicy, policy);
            yield return new(counts.Allowed, tag, new KeyValuePair<string, object?>(MetricTags.Outcome, RateLimitingConstants.Allowed));
            yield return new(counts.Rejected, tag, new KeyValuePair<string, object?>(MetricTags.Outcome, RateLimitingConstants.Rejected));
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
