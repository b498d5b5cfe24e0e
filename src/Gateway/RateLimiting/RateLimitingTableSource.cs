using Gateway.Utilities;
using System.Collections.Frozen;
using Gateway.Redis;

namespace Gateway.RateLimiting;

/// <summary>
/// Builds a <see cref="RateLimitingTable"/> for every applied configuration snapshot. A policy whose options did
/// not change keeps its limiter object, and so its buckets; a changed or removed one is disposed.
/// </summary>
internal sealed class RateLimitingTableSource : IDisposable
{
    private readonly IConfigSource _config;
    private readonly RedisConnection _redis;
    private readonly RateLimitMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RateLimitingTableSource> _logger;
    private readonly Lock _gate = new();
    private RateLimitingTable _current = RateLimitingTable.Empty;

    public RateLimitingTableSource(IConfigSource config, RedisConnection redis, RateLimitMetrics metrics, TimeProvider time, ILogger<RateLimitingTableSource> logger)
    {
        _config = config;
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        config.Applied += OnApplied;
        OnApplied(config.Current);
    }

    public RateLimitingTable Current => Volatile.Read(ref _current);

    private void OnApplied(IAppliedConfig snapshot)
    {
        // Reloads are rare and may race with the constructor's first build; the lock keeps revisions in order.
        lock (_gate)
        {
            var previous = _current;
            if (snapshot.Revision <= previous.Revision)
            {
                return;
            }

            var rateLimiting = snapshot.Section<RateLimitingOptions>();
            var policies = new Dictionary<string, IRateLimitPolicy>(StringComparer.OrdinalIgnoreCase);
            var kept = 0;
            foreach (var (name, configured) in rateLimiting.Policies)
            {
                var options = Normalize(configured);
                if (previous.Policies.TryGetValue(name, out var existing) && existing.Options == options && existing.Name == name)
                {
                    policies[name] = existing;
                    kept++;
                }
                else
                {
                    policies[name] = Create(name, options);
                }
            }

            var routes = new Dictionary<string, RouteRateLimit>(StringComparer.OrdinalIgnoreCase);
            foreach (var route in snapshot.Routes)
            {
                if (route.RateLimiterPolicy is { Length: > 0 } name &&
                    policies.TryGetValue(name, out var policy) &&
                    PartitionKey.Parse(policy.Options.PartitionBy) is { } partition)
                {
                    routes[route.RouteId] = new RouteRateLimit(policy, partition, RateLimitHeaders.Quote(policy.Name), _metrics.CountsOf(policy.Name));
                }
            }

            var table = new RateLimitingTable(
                snapshot.Revision,
                routes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
                policies);
            Volatile.Write(ref _current, table);
            foreach (var (name, old) in previous.Policies)
            {
                if (!policies.TryGetValue(name, out var now) || !ReferenceEquals(now, old))
                {
                    old.Dispose();
                }
            }

            Log.PoliciesApplied(_logger, policies.Count, kept, routes.Count);
        }
    }

    /// <summary>Canonical spelling of the names config may write in any case, so the limiters compare ordinally.</summary>
    internal static RateLimitPolicyOptions Normalize(RateLimitPolicyOptions options) => options with
    {
        Algorithm = Canonical(options.Algorithm, RateLimitingConstants.TokenBucket, RateLimitingConstants.SlidingWindow, RateLimitingConstants.FixedWindow, RateLimitingConstants.Concurrency),
        Scope = Canonical(options.Scope, RateLimitingConstants.Local, RateLimitingConstants.Global),
    };

    private static string Canonical(string value, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (string.Equals(value, name, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return value;
    }

    private IRateLimitPolicy Create(string name, RateLimitPolicyOptions options) =>
        options.Scope == RateLimitingConstants.Global &&
        options.Algorithm != RateLimitingConstants.Concurrency &&
        _redis.IsConfigured
            ? new GlobalRateLimitPolicy(name, options, _redis, _metrics, _time)
            : new LocalRateLimitPolicy(name, options, _time);

    public void Dispose()
    {
        _config.Applied -= OnApplied;
        foreach (var policy in _current.Policies.Values)
        {
            policy.Dispose();
        }
    }
}
