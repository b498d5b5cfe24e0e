using Gateway.Redis;
using Gateway.Utilities;

namespace Gateway.Configuration.Validators;

/// <summary>Rules for <c>Gateway:Redis</c>.</summary>
internal static class RedisValidator
{
    private const string Path = GatewayOptions.SectionName + ":Redis";

    public static void Validate(RedisOptions redis, ConfigErrorList errors)
    {
        if (redis.Configuration is { } configuration)
        {
            try
            {
                if (string.IsNullOrWhiteSpace(configuration))
                {
                    errors.Add($"{Path}:Configuration", "must not be empty; leave it out for local-only state.");
                }
                else if (StackExchange.Redis.ConfigurationOptions.Parse(configuration).EndPoints.Count == 0)
                {
                    errors.Add($"{Path}:Configuration", $"names no Redis endpoint, e.g. 127.0.0.1:6379 (was '{RedisSecrets.Redact(configuration)}').");
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{Path}:Configuration", $"is not a StackExchange.Redis configuration string: {RedisSecrets.Redact(ex.Message, configuration)}");
            }
        }

        errors.RequireRange($"{Path}:Timeout", redis.Timeout, RedisConstants.MinTimeout, RedisConstants.MaxTimeout);
        errors.RequireRange($"{Path}:BreakDuration", redis.BreakDuration, RedisConstants.MinBreakDuration, RedisConstants.MaxBreakDuration);
        if (string.IsNullOrWhiteSpace(redis.KeyPrefix))
        {
            errors.Add($"{Path}:KeyPrefix", "must not be empty.");
        }
        else if (redis.KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            errors.Add($"{Path}:KeyPrefix", "must not contain '{' or '}': a Redis Cluster hash tag would put every key in one slot.");
        }
    }
}
