using Gateway.RateLimiting;
using Gateway.Utilities;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:RateLimiting</c> and routes' <c>RateLimiterPolicy</c>.</summary>
internal static class RateLimitingValidator
{
    private const string Root = GatewayOptions.SectionName;

    private static readonly string[] s_algorithms =
    [
        RateLimitingConstants.TokenBucket, RateLimitingConstants.SlidingWindow, RateLimitingConstants.FixedWindow, RateLimitingConstants.Concurrency,
    ];

    private static readonly string[] s_scopes = [RateLimitingConstants.Local, RateLimitingConstants.Global];

    public static void Validate(RateLimitingOptions rateLimiting, ConfigErrorList errors)
    {
        foreach (var (name, policy) in rateLimiting.Policies)
        {
            ValidatePolicy($"{Root}:RateLimiting:Policies:{name}", name, policy, errors);
        }
    }

    public static void ValidateRoute(string routePath, RouteConfig route, GatewayOptions gateway, ConfigErrorList errors)
    {
        if (route.RateLimiterPolicy is { } name && !gateway.RateLimiting.Policies.ContainsKey(name))
        {
            errors.Add($"{routePath}:RateLimiterPolicy", $"policy '{name}' does not exist under Gateway:RateLimiting:Policies.");
        }
        else if (route.RateLimiterPolicy is { } limited &&
            gateway.RateLimiting.Policies[limited].PartitionBy is { } partitionBy &&
            PartitionKey.Parse(partitionBy) is { NeedsIdentity: true } &&
            route.AuthorizationPolicy is null)
        {
            errors.Add($"{routePath}:RateLimiterPolicy", $"policy '{limited}' partitions by {partitionBy}, which needs the route to require an identity (AuthorizationPolicy); without one every request would share one bucket.");
        }
    }

    private static void ValidatePolicy(string path, string name, RateLimitPolicyOptions policy, ConfigErrorList errors)
    {
        if (!IsToken(name))
        {
            errors.Add(path, "a policy name may hold only letters, digits, '-', '_' and '.' (it is sent in the RateLimit headers).");
        }

        var algorithm = OneOf($"{path}:Algorithm", policy.Algorithm, s_algorithms, errors);
        var scope = OneOf($"{path}:Scope", policy.Scope, s_scopes, errors);
        if (PartitionKey.Parse(policy.PartitionBy ?? string.Empty) is null)
        {
            errors.Add($"{path}:PartitionBy", $"must be ApiKey, ClientIp, Header:<name>, Consumer, Claim:<name>, Route or Global (was '{policy.PartitionBy}').");
        }

        var global = scope == RateLimitingConstants.Global;
        if (global && algorithm == RateLimitingConstants.Concurrency)
        {
            errors.Add($"{path}:Scope", "Concurrency counts requests in flight in this instance; it cannot be Global.");
        }

        RequireRange($"{path}:QueueLimit", policy.QueueLimit, RateLimitingConstants.MinQueueLimit, RateLimitingConstants.MaxQueueLimit, errors);
        RequireRange($"{path}:MaxPartitions", policy.MaxPartitions, RateLimitingConstants.MinMaxPartitions, RateLimitingConstants.MaxMaxPartitions, errors);
        if (global && policy.QueueLimit != 0)
        {
            errors.Add($"{path}:QueueLimit", "must be 0 with Scope Global: a queue would hold requests while Redis decides.");
        }

        var limit = policy.PermitLimit;
        switch (algorithm)
        {
            case RateLimitingConstants.TokenBucket:
                limit = policy.TokenLimit;
                RequireRange($"{path}:TokenLimit", policy.TokenLimit, RateLimitingConstants.MinLimit, RateLimitingConstants.MaxLimit, errors);
                RequireRange($"{path}:TokensPerPeriod", policy.TokensPerPeriod, RateLimitingConstants.MinLimit, RateLimitingConstants.MaxLimit, errors);
                errors.RequireRange($"{path}:ReplenishmentPeriod", policy.ReplenishmentPeriod, RateLimitingConstants.MinPeriod, RateLimitingConstants.MaxPeriod);
                break;
            case RateLimitingConstants.FixedWindow:
            case RateLimitingConstants.SlidingWindow:
                RequireRange($"{path}:PermitLimit", policy.PermitLimit, RateLimitingConstants.MinLimit, RateLimitingConstants.MaxLimit, errors);
                errors.RequireRange($"{path}:Window", policy.Window, RateLimitingConstants.MinPeriod, RateLimitingConstants.MaxPeriod);
                if (algorithm == RateLimitingConstants.SlidingWindow)
                {
                    RequireRange($"{path}:SegmentsPerWindow", policy.SegmentsPerWindow, RateLimitingConstants.MinSegments, RateLimitingConstants.MaxSegments, errors);
                    if (policy.SegmentsPerWindow >= RateLimitingConstants.MinSegments && policy.Window / policy.SegmentsPerWindow < RateLimitingConstants.MinPeriod)
                    {
                        errors.Add($"{path}:SegmentsPerWindow", $"makes segments shorter than {RateLimitingConstants.MinPeriod.TotalMilliseconds:0} ms (Window {policy.Window:c} / {policy.SegmentsPerWindow}).");
                    }
                }

                break;
            case RateLimitingConstants.Concurrency:
                RequireRange($"{path}:PermitLimit", policy.PermitLimit, RateLimitingConstants.MinLimit, RateLimitingConstants.MaxLimit, errors);
                break;
        }

        if (policy.LeaseSize is { } lease)
        {
            RequireRange($"{path}:LeaseSize", lease, RateLimitingConstants.MinLeaseSize, Math.Max(RateLimitingConstants.MinLeaseSize, limit), errors);
        }
    }

    private static string? OneOf(string path, string? value, string[] allowed, ConfigErrorList errors)
    {
        foreach (var candidate in allowed)
        {
            if (string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        errors.Add(path, $"must be one of {string.Join(", ", allowed)} (was '{value}').");
        return null;
    }

    private static void RequireRange(string path, int value, int min, int max, ConfigErrorList errors)
    {
        if (value < min || value > max)
        {
            errors.Add(path, $"must be between {min} and {max} (was {value}).");
        }
    }

    private static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
